// The monthly satisfaction survey: one tap per question, anonymous, once.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";

export default {
  template: `
    <div>
      <van-empty v-if="missing" description="当前没有进行中的满意度调查" />
      <template v-if="survey">
        <div class="section-title">{{ survey.month }} 服务满意度调查（匿名）</div>
        <van-cell-group v-for="q in survey.questions" :key="q.id" inset class="gap" :data-testid="'survey-q-' + q.id">
          <van-cell :title="q.text" />
          <div class="scores">
            <button v-for="s in [1, 2, 3, 4, 5]" :key="s" type="button" :disabled="survey.answered"
                    :data-testid="'survey-q-' + q.id + '-' + s" :class="['chip', { active: scores[q.id] === s }]"
                    @click="scores[q.id] = s">{{ s }}分</button>
          </div>
        </van-cell-group>
        <div class="actions">
          <div v-if="survey.answered" class="done" data-testid="survey-done">已提交，感谢您的评价</div>
          <van-button v-else type="primary" block round :disabled="!complete" data-testid="survey-submit" @click="submit">提交</van-button>
        </div>
      </template>
    </div>`,
  setup() {
    const survey = Vue.ref(null), missing = Vue.ref(false), scores = Vue.reactive({});
    const complete = Vue.computed(() => survey.value && survey.value.questions.every((q) => scores[q.id]));
    function show(value) {
      survey.value = value;
      (value.my_answers || []).forEach((a) => { scores[a.question_id] = a.score; });
    }
    async function submit() {
      const answers = survey.value.questions.map((q) => ({ question_id: q.id, score: scores[q.id] }));
      show(await api.post(`/assessment/surveys/${survey.value.id}/responses`, { answers }));
      showToast("提交成功", "success");
    }
    Vue.onMounted(async () => {
      try {
        show(await api.get("/assessment/surveys/current", undefined, { quiet: true }));
      } catch (err) {
        if (err.status === 404) missing.value = true;
        else throw err;
      }
    });
    return { survey, missing, scores, complete, submit };
  },
};
