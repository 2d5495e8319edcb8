// The requester's ticket: timeline, and confirm / reopen / rate / cancel as the state allows.
import { Vue, vant } from "../vendor.js";
import { api, showToast } from "../api.js";
import { usePage, useAction } from "../ui.js";
import { route } from "../router.js";
import TicketView from "./ticket-view.js";
import SubscribeOffer from "./subscribe-offer.js";

export default {
  components: { TicketView, SubscribeOffer },
  template: `
    <page-state :page="page" :pull="false">
      <div v-if="ticket">
        <ticket-view :ticket="ticket" />
        <subscribe-offer v-if="['open', 'assigned', 'in_progress'].includes(ticket.status)" kinds="repair" label="订阅维修进度提醒" />
        <div class="actions">
          <template v-if="ticket.status === 'resolved'">
            <van-button block round type="primary" :loading="act.busy" data-testid="repair-confirm" @click="run('confirm')">确认已修好</van-button>
            <van-button block round plain type="warning" :loading="act.busy" data-testid="repair-reopen" @click="reopen">没修好，重新处理</van-button>
          </template>
          <van-button v-if="!ticket.rating && ['resolved', 'closed'].includes(ticket.status)" block round plain type="primary"
                      data-testid="repair-rate" @click="rating.show = true">评价服务</van-button>
          <van-button v-if="['open', 'assigned'].includes(ticket.status)" block round plain type="danger" :loading="act.busy"
                      data-testid="repair-cancel" @click="cancel">取消报修</van-button>
        </div>
        <van-popup v-model:show="rating.show" position="bottom" round class="sheet">
          <div class="sheet-title">评价本次维修</div>
          <div class="center"><van-rate v-model="rating.score" size="32" data-testid="rating-score" /></div>
          <van-field v-model="rating.comment" type="textarea" rows="2" placeholder="说说你的感受（选填）" data-testid="rating-comment"
                     :error-message="act.fields.comment || act.fields.score" />
          <div class="actions"><van-button block round type="primary" :loading="act.busy" data-testid="rating-submit" @click="rate">提交评价</van-button></div>
        </van-popup>
      </div>
    </page-state>`,
  setup() {
    const page = usePage(() => api.get(`/repairs/${route.params.id}`, null, { quiet: true }));
    const ticket = Vue.computed(() => page.data);
    const rating = Vue.reactive({ show: false, score: 5, comment: "" });
    const act = useAction((key, action, body) => api.post(`/repairs/${ticket.value.id}/${action}`, body, { key, quiet: true }));
    async function run(action, body = {}) {
      const updated = await act.run(action, body);
      if (!updated) return false;
      page.data = updated;
      showToast("操作成功", "success");
      return true;
    }
    const confirm = (title, message) => vant.showConfirmDialog({ title, message }).then(() => true, () => false);
    async function reopen() {
      if (await confirm("重新处理", "将通知维修人员再次处理，确定吗？")) await run("reopen", { reason: "问题仍未解决" });
    }
    async function cancel() {
      if (await confirm("取消报修", "确定取消这张报修单吗？")) await run("cancel", { reason: "" });
    }
    async function rate() {
      if (await run("rating", { score: rating.score, comment: rating.comment })) rating.show = false;
    }
    return { page, ticket, rating, act, run, reopen, cancel, rate };
  },
};
