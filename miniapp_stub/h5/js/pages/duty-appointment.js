// One appointment, number or errand: the ticket and the live place in the queue, check-in
// within its window, cancel before it is called, the missing documents when asked, and a
// rating once it is done. The page refreshes itself while the appointment is live.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dateTime, dayLabel, hhmm, span, statusText, statusType, yuan } from "../format.js";
import { usePage, useAction } from "../ui.js";
import { route } from "../router.js";
import { CHECKIN_AFTER_MS, CHECKIN_BEFORE_MS, DocumentPicker, LIVE, MODES, useDutyStyles } from "./duty-common.js";

const REFRESH_MS = 8_000;

export default {
  components: { DocumentPicker },
  template: `
    <div>
      <page-state :page="page" :pull="true">
        <template v-if="a">
          <div class="duty-ticket">
            <div class="muted">{{ a.service.name }} · {{ MODES[a.kind][0] }}</div>
            <div class="no" data-testid="duty-ticket">{{ a.ticket_no || (a.kind === 'errand' ? '代办' : '未取号') }}</div>
            <van-tag size="large" :type="statusType('duty', a.status)" data-testid="duty-status" :data-status="a.status">{{ statusText('duty', a.status) }}</van-tag>
            <div v-if="a.status === 'waiting' && a.position" class="where" data-testid="duty-position">
              排队第 <b>{{ a.position }}</b> 位<span v-if="a.position > 1">，前面还有 {{ a.position - 1 }} 人</span>
            </div>
            <div v-if="a.status === 'called' || a.status === 'serving'" class="where" data-testid="duty-counter">请到 <b>{{ a.counter }}</b> 号窗口</div>
            <div class="muted">
              <template v-if="a.slot">预约时段：{{ span(a.slot.start, a.slot.end) }}</template>
              <template v-else>{{ dayLabel(a.date) }}</template>
            </div>
          </div>
          <van-cell-group inset>
            <van-cell title="提交时间" :value="dateTime(a.created_at)" />
            <van-cell v-if="a.checked_in_at" title="签到时间" :value="dateTime(a.checked_in_at)" />
            <van-cell v-if="a.called_at" title="叫号时间" :value="dateTime(a.called_at)" />
            <van-cell v-if="a.finished_at" title="办结时间" :value="dateTime(a.finished_at)" />
            <van-cell v-if="a.note" title="备注" :label="a.note" />
            <van-cell v-if="a.document_ids.length" title="已交材料" :value="a.document_ids.length + ' 份'" />
            <van-cell v-if="a.result_note" title="办理结果" :label="a.result_note" data-testid="duty-result" />
            <van-cell v-if="a.fee_fen !== null" title="费用" :value="yuan(a.fee_fen)" />
          </van-cell-group>

          <template v-if="a.status === 'needs_info'">
            <div class="section-title danger-text" data-testid="duty-info-note">窗口要求补充：{{ a.info_note }}</div>
            <document-picker v-model="docs" testid="duty-more-doc" />
            <field-error :action="resend" name="document_ids" />
            <div class="actions">
              <van-button type="primary" block round :loading="resend.busy" :disabled="!docs.length" data-testid="duty-docs-submit"
                          @click="resend.run(docs.map((d) => d.id))">提交补充材料</van-button>
              <div v-if="!docs.length" class="duty-reason">请先上传窗口要求的材料</div>
            </div>
          </template>

          <div class="actions">
            <template v-if="a.status === 'booked'">
              <van-button type="primary" block round :disabled="Boolean(checkinReason)" :loading="checkin.busy"
                          data-testid="duty-checkin" @click="checkin.run()">到场签到取号</van-button>
              <div v-if="checkinReason" class="duty-reason" data-testid="duty-checkin-reason">{{ checkinReason }}</div>
            </template>
            <template v-if="a.status === 'booked' || a.status === 'waiting' || a.status === 'needs_info'">
              <van-button block round plain type="danger" :loading="cancel.busy" data-testid="duty-cancel" @click="askCancel">取消{{ a.status === 'booked' ? '预约' : '排号' }}</van-button>
            </template>
            <div v-else-if="a.status === 'called' || a.status === 'serving'" class="duty-reason">已叫号，不能取消</div>
          </div>

          <template v-if="a.status === 'done'">
            <div v-if="a.rated" class="done" data-testid="duty-rated">已评价，谢谢！</div>
            <template v-else>
              <div class="section-title">评价本次服务</div>
              <van-cell-group inset>
                <van-cell title="满意度"><van-rate v-model="score" :size="32" :gutter="8" data-testid="duty-rate-score" /></van-cell>
                <van-field v-model.trim="comment" label="意见" type="textarea" rows="2" autosize maxlength="500" placeholder="选填" data-testid="duty-rate-comment" :error-message="rate.fields.comment" />
              </van-cell-group>
              <div class="actions">
                <van-button type="primary" block round :disabled="!score" :loading="rate.busy" data-testid="duty-rate-submit"
                            @click="rate.run({ score, comment })">提交评价</van-button>
              </div>
            </template>
          </template>
        </template>
      </page-state>
    </div>`,
  setup() {
    useDutyStyles();
    const id = route.params.id;
    const page = usePage(() => api.get(`/duty/appointments/${id}`, undefined, { quiet: true }));
    const a = Vue.computed(() => page.data);
    const docs = Vue.ref([]);
    const score = Vue.ref(0);
    const comment = Vue.ref("");
    const tick = Vue.ref(Date.now());
    const timer = setInterval(() => {
      tick.value = Date.now();
      if (page.state === "loaded" && LIVE.has(a.value?.status)) page.refresh();
    }, REFRESH_MS);
    Vue.onBeforeUnmount(() => clearInterval(timer));
    const checkinReason = Vue.computed(() => {
      const slot = a.value?.slot;
      if (!slot) return "";
      const start = new Date(slot.start).getTime();
      const now = Math.max(tick.value, Date.now());
      if (now < start - CHECKIN_BEFORE_MS) return `时段开始前 30 分钟起可签到（${dayLabel(slot.start)} ${hhmm(new Date(start - CHECKIN_BEFORE_MS).toISOString())} 起）`;
      if (now > start + CHECKIN_AFTER_MS) return "已超过签到时间（时段开始后 15 分钟），请重新预约或现场取号";
      return "";
    });
    const reload = (fresh) => { page.data = fresh; };
    const checkin = useAction((key) => api.post(`/duty/appointments/${id}/checkin`, {}, { key, quiet: true }), {
      done(fresh) { reload(fresh); showToast(`签到成功，您的号码 ${fresh.ticket_no}`, "success"); },
    });
    const cancel = useAction((key) => api.post(`/duty/appointments/${id}/cancel`, {}, { key, quiet: true }), {
      done(fresh) { reload(fresh); showToast("已取消", "success"); },
    });
    const resend = useAction((key, ids) => api.post(`/duty/appointments/${id}/documents`, { document_ids: ids }, { key, quiet: true }), {
      done(fresh) { reload(fresh); docs.value = []; showToast("材料已提交，已回到队首", "success"); },
    });
    const rate = useAction((key, body) => api.post(`/duty/appointments/${id}/rating`, body, { key, quiet: true }), {
      done() { showToast("感谢您的评价", "success"); page.refresh(); },
    });
    async function askCancel() {
      try {
        await window.vant.showConfirmDialog({ title: "取消", message: "确定取消吗？取消后需重新预约或取号。", confirmButtonText: "确定取消", cancelButtonText: "再想想" });
      } catch (dismissed) {
        return;
      }
      cancel.run();
    }
    return { page, a, docs, score, comment, checkin, cancel, resend, rate, askCancel, checkinReason, span, dayLabel, dateTime, yuan, statusText, statusType, MODES };
  },
};
