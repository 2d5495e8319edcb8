// The requester's ticket: timeline, and confirm / reopen / rate / cancel as the state allows.
import { Vue, vant } from "../vendor.js";
import { api, showToast } from "../api.js";
import { route } from "../router.js";
import TicketView from "./ticket-view.js";

export default {
  components: { TicketView },
  template: `
    <div v-if="ticket">
      <ticket-view :ticket="ticket" />
      <div class="actions">
        <template v-if="ticket.status === 'resolved'">
          <van-button block round type="primary" data-testid="repair-confirm" @click="act('confirm')">确认已修好</van-button>
          <van-button block round plain type="warning" data-testid="repair-reopen" @click="reopen">没修好，重新处理</van-button>
        </template>
        <van-button v-if="!ticket.rating && ['resolved', 'closed'].includes(ticket.status)" block round plain type="primary"
                    data-testid="repair-rate" @click="rating.show = true">评价服务</van-button>
        <van-button v-if="['open', 'assigned'].includes(ticket.status)" block round plain type="danger"
                    data-testid="repair-cancel" @click="act('cancel', { reason: '' })">取消报修</van-button>
      </div>
      <van-popup v-model:show="rating.show" position="bottom" round class="sheet">
        <div class="sheet-title">评价本次维修</div>
        <div class="center"><van-rate v-model="rating.score" size="28" data-testid="rating-score" /></div>
        <van-field v-model="rating.comment" type="textarea" rows="2" placeholder="说说你的感受（选填）" data-testid="rating-comment" />
        <div class="actions"><van-button block round type="primary" data-testid="rating-submit" @click="rate">提交评价</van-button></div>
      </van-popup>
    </div>`,
  setup() {
    const ticket = Vue.ref(null);
    const rating = Vue.reactive({ show: false, score: 5, comment: "" });
    async function load() {
      ticket.value = await api.get(`/repairs/${route.params.id}`);
    }
    async function act(action, body) {
      ticket.value = await api.post(`/repairs/${ticket.value.id}/${action}`, body);
      showToast("操作成功", "success");
    }
    async function reopen() {
      let reason = "";
      const ok = await vant.showConfirmDialog({ title: "重新处理", message: "将通知维修人员再次处理，确定吗？" }).then(() => true, () => false);
      if (!ok) return;
      reason = "问题仍未解决";
      await act("reopen", { reason });
    }
    async function rate() {
      await act("rating", { score: rating.score, comment: rating.comment });
      rating.show = false;
    }
    Vue.onMounted(load);
    return { ticket, rating, act, reopen, rate };
  },
};
