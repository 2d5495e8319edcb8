// The station's counter (role duty_station, laid out for 1280×800): which counter this is,
// 叫号 for the next person in the fair order, then 开始 / 办结 (with the result) / 补件
// (what is missing) / 过号 (after 10 min called), the person's documents full-screen, and
// the queue behind. The page refreshes itself so the queue stays current.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dateTime, hhmm, span, statusText, statusType } from "../format.js";
import { usePage, useAction } from "../ui.js";
import { go } from "../router.js";
import { hasRole } from "../session.js";
import { DocumentThumbs, MODES, NO_SHOW_AFTER_MS, useDutyStyles } from "./duty-common.js";

const KEY = "qe.duty.counter";
const REFRESH_MS = 10_000;

export default {
  components: { DocumentThumbs },
  template: `
    <div class="duty-desk">
      <div class="bar">
        <span>本窗口</span>
        <button v-for="n in 9" :key="n" type="button" :class="['chip', { active: counter === n }]" :data-testid="'desk-counter-' + n" @click="setCounter(n)">{{ n }}</button>
        <span class="grow"></span>
        <van-button type="primary" class="call" :loading="call.busy" :disabled="!counter || !waitingCount" data-testid="desk-call"
                    @click="call.run(counter)">叫号<span v-if="counter"> → {{ counter }} 号窗口</span></van-button>
        <van-button plain type="primary" data-testid="desk-report" @click="go('/duty/report')">月报</van-button>
        <van-button v-if="isAdmin" plain data-testid="desk-admin" @click="go('/duty/admin')">业务与时段</van-button>
        <div v-if="!counter" class="duty-reason" style="flex-basis:100%">请先选择本窗口号</div>
        <div v-else-if="page.state === 'loaded' && !waitingCount" class="duty-reason" style="flex-basis:100%" data-testid="desk-call-reason">队列中暂无等候的人</div>
      </div>
      <page-state :page="page" :pull="false">
        <div class="cols">
          <div class="panel">
            <h4>正在办理（{{ page.data.current.length }}）</h4>
            <div v-if="!page.data.current.length" class="muted" data-testid="desk-current-empty">暂无，点「叫号」叫下一位</div>
            <div v-for="p in currentSorted" :key="p.id" :class="['duty-person', { mine: p.counter === counter }]" :data-testid="'desk-current-' + p.id">
              <div class="head">
                <span class="no" :data-testid="'desk-current-no-' + p.id">{{ p.ticket_no || '代办' }}</span>
                <van-tag :type="statusType('duty', p.status)" :data-testid="'desk-status-' + p.id" :data-status="p.status">{{ statusText('duty', p.status) }}</van-tag>
                <span>{{ p.counter }} 号窗口</span>
                <b>{{ p.service.name }}</b>
                <span class="muted">{{ p.name_masked }} · {{ p.department }}</span>
              </div>
              <div class="muted">
                <span v-if="p.slot">预约 {{ span(p.slot.start, p.slot.end) }} · </span>
                叫号 {{ dateTime(p.called_at) }}
              </div>
              <div v-if="p.note" class="muted">备注：{{ p.note }}</div>
              <div v-if="p.documents.length" class="muted">材料 {{ p.documents.length }} 份（点击查看大图）</div>
              <document-thumbs :documents="p.documents" :owner="p.id" />
              <div class="ops">
                <van-button v-if="p.status === 'called'" type="primary" :loading="start.busy" :data-testid="'desk-start-' + p.id" @click="start.run(p.id)">开始</van-button>
                <van-button v-if="p.status === 'serving'" type="success" :data-testid="'desk-done-' + p.id" @click="openForm('done', p)">办结</van-button>
                <van-button type="warning" plain :data-testid="'desk-needs-info-' + p.id" @click="openForm('needs', p)">补件</van-button>
                <van-button v-if="p.status === 'called'" type="danger" plain :disabled="Boolean(noShowReason(p))" :loading="noShow.busy"
                            :data-testid="'desk-no-show-' + p.id" @click="noShow.run(p.id)">过号</van-button>
              </div>
              <div v-if="p.status === 'called' && noShowReason(p)" class="duty-reason" :data-testid="'desk-no-show-reason-' + p.id">{{ noShowReason(p) }}</div>
            </div>
          </div>
          <div class="panel">
            <h4 data-testid="desk-waiting">等候队列（{{ page.data.items.length }} 人）</h4>
            <div v-if="!page.data.items.length" class="muted" data-testid="desk-queue-empty">队列为空</div>
            <div v-for="(p, i) in page.data.items" :key="p.id" class="duty-queue-row" :data-testid="'desk-queue-' + p.id">
              <span class="no">{{ p.ticket_no || '代办' }}</span>
              <span>{{ p.service.name }} <span class="muted">{{ p.name_masked }}<template v-if="p.documents.length"> · 材料 {{ p.documents.length }} 份</template></span>
                <div class="muted">{{ p.slot ? '预约 ' + span(p.slot.start, p.slot.end) : '排队自 ' + dateTime(p.checked_in_at || p.created_at) }}</div></span>
              <van-tag plain :type="MODES[p.kind][1]">{{ i === 0 ? '下一位' : MODES[p.kind][0] }}</van-tag>
            </div>
          </div>
        </div>
      </page-state>

      <van-popup v-model:show="form.show" round position="center" :style="{ width: 'min(92vw, 480px)' }" data-testid="desk-form">
        <div class="section-title">{{ form.mode === 'done' ? '办结' : '补件：告知缺少的材料' }} · {{ form.person?.ticket_no || '代办' }} {{ form.person?.service.name }}</div>
        <van-cell-group inset class="duty-form">
          <template v-if="form.mode === 'done'">
            <van-field v-model.trim="form.result_note" label="办理结果" type="textarea" rows="2" autosize required maxlength="512"
                       placeholder="如 已出票：G1234" data-testid="desk-result-note" :error-message="finish.fields.result_note" />
            <van-field v-model="form.fee" label="费用（元）" type="number" placeholder="无费用可不填" data-testid="desk-fee"
                       :error-message="feeError || finish.fields.fee_fen" />
          </template>
          <van-field v-else v-model.trim="form.note" label="缺少材料" type="textarea" rows="2" autosize required maxlength="256"
                     placeholder="如 身份证反面照片不清晰" data-testid="desk-info-note" :error-message="ask.fields.note" />
        </van-cell-group>
        <div class="actions">
          <van-button type="primary" block round data-testid="desk-form-submit"
                      :loading="finish.busy || ask.busy" :disabled="form.mode === 'done' ? (!form.result_note || Boolean(feeError)) : !form.note"
                      @click="submitForm">确定</van-button>
          <van-button block round @click="form.show = false">返回</van-button>
        </div>
      </van-popup>
    </div>`,
  setup() {
    useDutyStyles();
    const counter = Vue.ref(Number(localStorage.getItem(KEY)) || 0);
    const page = usePage(() => api.get("/duty/desk/queue", undefined, { quiet: true }), { isEmpty: () => false });
    const tick = Vue.ref(Date.now());
    const timer = setInterval(() => {
      tick.value = Date.now();
      if (page.state === "loaded" && !form.show) page.refresh();
    }, REFRESH_MS);
    Vue.onBeforeUnmount(() => clearInterval(timer));
    const waitingCount = Vue.computed(() => page.data?.items.length || 0);
    const currentSorted = Vue.computed(() =>
      [...(page.data?.current || [])].sort((x, y) => (x.counter === counter.value ? 0 : 1) - (y.counter === counter.value ? 0 : 1)));
    function setCounter(n) {
      counter.value = n;
      localStorage.setItem(KEY, String(n));
    }
    const after = () => page.refresh();
    // Each call is its own intent (a new key per tap once answered); a lost reply is retried with its key.
    const call = useAction((key, n) => api.post("/duty/desk/next", { counter: n }, { key, quiet: true }), {
      done(p) { showToast(`已叫 ${p.ticket_no || "代办"} 到 ${p.counter} 号窗口`, "success"); after(); },
    });
    const start = useAction((key, id) => api.post(`/duty/desk/appointments/${id}/start`, {}, { key, quiet: true }), { done: after });
    const noShow = useAction((key, id) => api.post(`/duty/desk/appointments/${id}/no-show`, {}, { key, quiet: true }), { done: after });
    const finish = useAction((key, id, body) => api.post(`/duty/desk/appointments/${id}/done`, body, { key, quiet: true }), {
      done() { form.show = false; showToast("已办结", "success"); after(); },
    });
    const ask = useAction((key, id, body) => api.post(`/duty/desk/appointments/${id}/needs-info`, body, { key, quiet: true }), {
      done() { form.show = false; showToast("已退回补件，已通知本人", "success"); after(); },
    });
    const form = Vue.reactive({ show: false, mode: "done", person: null, result_note: "", fee: "", note: "" });
    function openForm(mode, person) {
      Object.assign(form, { show: true, mode, person, result_note: "", fee: "", note: "" });
      finish.reset();
      ask.reset();
    }
    const feeError = Vue.computed(() => {
      if (form.fee === "" || form.fee === null) return "";
      return /^\d+(\.\d{1,2})?$/.test(String(form.fee)) ? "" : "请输入金额，最多两位小数";
    });
    function submitForm() {
      if (form.mode === "done") {
        const body = { result_note: form.result_note };
        if (form.fee !== "" && form.fee !== null) body.fee_fen = Math.round(Number(form.fee) * 100);
        finish.run(form.person.id, body);
      } else {
        ask.run(form.person.id, { note: form.note });
      }
    }
    function noShowReason(p) {
      const allowed = new Date(p.called_at).getTime() + NO_SHOW_AFTER_MS;
      if (Math.max(tick.value, Date.now()) >= allowed) return "";
      return `叫号 10 分钟后仍未到才能过号（${hhmm(new Date(allowed).toISOString())} 起）`;
    }
    return {
      counter, setCounter, page, waitingCount, currentSorted, call, start, noShow, finish, ask, form, openForm, submitForm,
      feeError, noShowReason, go, isAdmin: hasRole("admin"), span, dateTime, statusText, statusType, MODES,
    };
  },
};
