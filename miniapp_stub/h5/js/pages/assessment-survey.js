// The monthly satisfaction survey: one tap per question, anonymous, once, while it is open.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dateTime } from "../format.js";
import { usePage, useAction } from "../ui.js";

async function loadSurvey() {
  try {
    return await api.get("/assessment/surveys/current", undefined, { quiet: true });
  } catch (err) {
    if (err.status === 404) return null; // no survey running: the empty state says so
    throw err;
  }
}

export default {
  template: `
    <page-state :page="page" empty="当前没有进行中的满意度调查，每月调查开始后会通知你">
      <div v-if="survey">
        <div class="section-title">{{ survey.month }} 服务满意度调查（匿名）</div>
        <div class="hint" data-testid="survey-window">{{ dateTime(survey.opens) }} 至 {{ dateTime(survey.closes) }} 开放</div>
        <van-cell-group v-for="q in survey.questions" :key="q.id" inset class="gap" :data-testid="'survey-q-' + q.id">
          <van-cell :title="q.text" />
          <div class="scores">
            <button v-for="s in [1, 2, 3, 4, 5]" :key="s" type="button" :disabled="survey.answered || !open"
                    :aria-pressed="scores[q.id] === s" :data-testid="'survey-q-' + q.id + '-' + s" :class="['chip', { active: scores[q.id] === s }]"
                    @click="scores[q.id] = s">{{ s }}分</button>
          </div>
        </van-cell-group>
        <field-error :action="save" name="answers" />
        <div class="actions">
          <div v-if="survey.answered" class="done" data-testid="survey-done">已提交，感谢您的评价</div>
          <div v-else-if="!open" class="muted center" data-testid="survey-closed">{{ closedReason }}</div>
          <van-button v-else type="primary" block round :loading="save.busy" :disabled="!complete" data-testid="survey-submit" @click="submit">提交</van-button>
        </div>
      </div>
    </page-state>`,
  setup() {
    const scores = Vue.reactive({});
    const page = usePage(async () => {
      const value = await loadSurvey();
      (value?.my_answers || []).forEach((a) => { scores[a.question_id] = a.score; });
      return value;
    });
    const survey = Vue.computed(() => page.data);
    const complete = Vue.computed(() => survey.value && survey.value.questions.every((q) => scores[q.id]));
    const now = Date.now();
    const open = Vue.computed(() => !survey.value?.opens || (new Date(survey.value.opens) <= now && now < new Date(survey.value.closes)));
    const closedReason = Vue.computed(() => (survey.value && new Date(survey.value.opens) > now
      ? `${dateTime(survey.value.opens)} 开始` : "本期调查已结束"));
    // One response = one key: a double tap answers once.
    const save = useAction((key, body) => api.post(`/assessment/surveys/${survey.value.id}/responses`, body, { key, quiet: true }), {
      done(value) {
        page.data = value;
        showToast("提交成功", "success");
      },
    });
    function submit() {
      return save.run({ answers: survey.value.questions.map((q) => ({ question_id: q.id, score: scores[q.id] })) });
    }
    return { page, survey, scores, complete, open, closedReason, save, submit, dateTime };
  },
};
