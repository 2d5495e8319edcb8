// One order: status, the pickup QR while confirmed, cancel before the deadline.
import { Vue, vant } from "../vendor.js";
import { api, dateTime, hhmm, yuan, showToast } from "../api.js";
import { route } from "../router.js";
import { ORDER_STATUS } from "./meal-orders.js";

export default {
  template: `
    <div v-if="order" class="order-page">
      <div class="status-card" :class="order.status">
        <div class="status-text" data-testid="order-status">{{ statusText }}</div>
        <div class="muted">取餐时段 {{ hhmm(order.slot.start) }}–{{ hhmm(order.slot.end) }} · {{ order.pickup === 'takeaway' ? '打包' : '堂食' }}</div>
        <template v-if="order.status === 'confirmed'">
          <img v-if="qr" :src="qr" class="qr" alt="取餐码" data-testid="pickup-qr">
          <div class="code" data-testid="pickup-code">{{ order.pickup_code }}</div>
          <div class="muted">请在取餐窗口出示此码</div>
        </template>
      </div>
      <van-cell-group inset>
        <van-cell v-for="i in order.items" :key="i.dish_id" :title="i.name" :value="'×' + i.qty + '  ' + yuan(i.price_fen * i.qty)" />
        <van-cell title="合计" :value="yuan(order.total_fen)" />
        <van-cell title="下单时间" :value="dateTime(order.created_at)" />
      </van-cell-group>
      <div v-if="order.status === 'served'" class="actions"><van-button block round type="primary" data-testid="order-rate" :url="'#/meals/order/' + order.id + '/rate'">评价这份餐</van-button></div>
      <div v-if="order.status === 'confirmed' || order.status === 'waitlisted'" class="actions">
        <van-button block round plain type="danger" data-testid="order-cancel" @click="cancel">取消订单</van-button>
      </div>
    </div>`,
  setup() {
    const order = Vue.ref(null);
    const qr = Vue.ref("");
    const statusText = Vue.computed(() => {
      const o = order.value;
      if (!o) return "";
      return o.status === "waitlisted" ? `候补中 · 第 ${o.position} 位` : ORDER_STATUS[o.status][0];
    });
    async function load() {
      order.value = await api.get(`/meals/orders/${route.params.id}`);
      qr.value = order.value.status === "confirmed" ? await api.imageUrl(`/meals/orders/${order.value.id}/qr.png`) : "";
    }
    async function cancel() {
      const ok = await vant.showConfirmDialog({ title: "取消订单", message: "确定取消这份订餐吗？" }).then(() => true, () => false);
      if (!ok) return;
      order.value = await api.post(`/meals/orders/${order.value.id}/cancel`);
      qr.value = "";
      showToast("已取消", "success");
    }
    Vue.onMounted(load);
    return { order, qr, statusText, cancel, hhmm, yuan, dateTime };
  },
};
