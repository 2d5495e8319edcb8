// One order: its day and slot, the pickup QR while confirmed, cancel before the deadline.
import { Vue, vant } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dateTime, dayLabel, hhmm, yuan, statusText } from "../format.js";
import { usePage, useAction } from "../ui.js";
import { route } from "../router.js";
import { MEAL_NAMES, orderDay } from "./meals.js";
import SubscribeOffer from "./subscribe-offer.js";

async function loadOrder() {
  const order = await api.get(`/meals/orders/${route.params.id}`, null, { quiet: true });
  const qr = order.status === "confirmed" ? await api.imageUrl(`/meals/orders/${order.id}/qr.png`).catch(() => "") : "";
  return { order, qr };
}

export default {
  components: { SubscribeOffer },
  template: `
    <page-state :page="page" :pull="false">
      <div v-if="order" class="order-page">
        <div class="status-card" :class="order.status">
          <div class="status-text" data-testid="order-status">{{ label }}</div>
          <div class="muted" data-testid="order-when">{{ dayLabel(orderDay(order)) }} {{ MEAL_NAMES[order.meal] || "" }} · 取餐 {{ hhmm(order.slot.start) }}–{{ hhmm(order.slot.end) }} · {{ order.pickup === 'takeaway' ? '打包' : '堂食' }}</div>
          <template v-if="order.status === 'confirmed'">
            <img v-if="page.data.qr" :src="page.data.qr" class="qr" alt="取餐码" data-testid="pickup-qr" @click="preview">
            <div class="code" data-testid="pickup-code">{{ order.pickup_code }}</div>
            <div class="muted">请于 {{ dayLabel(orderDay(order)) }} 在取餐窗口出示此码</div>
          </template>
        </div>
        <subscribe-offer v-if="fresh" kinds="meal" label="订阅订餐提醒" />
        <van-cell-group inset>
          <van-cell v-for="i in order.items" :key="i.dish_id" :title="i.name" :value="'×' + i.qty + '  ' + yuan(i.price_fen * i.qty)" />
          <van-cell title="合计" :value="yuan(order.total_fen)" />
          <van-cell title="下单时间" :value="dateTime(order.created_at)" />
        </van-cell-group>
        <div v-if="order.status === 'served'" class="actions"><van-button block round type="primary" data-testid="order-rate" :url="'#/meals/order/' + order.id + '/rate'">评价这份餐</van-button></div>
        <div v-if="order.status === 'confirmed' || order.status === 'waitlisted'" class="actions">
          <van-button block round plain type="danger" :loading="cancel.busy" data-testid="order-cancel" @click="askCancel">取消订单</van-button>
        </div>
      </div>
    </page-state>`,
  setup() {
    const page = usePage(loadOrder);
    const order = Vue.computed(() => page.data?.order);
    const fresh = route.query?.new === "1";
    const label = Vue.computed(() => {
      const o = order.value;
      if (!o) return "";
      return o.status === "waitlisted" ? `候补中 · 第 ${o.position} 位` : statusText("meals", o.status);
    });
    const cancel = useAction((key) => api.post(`/meals/orders/${order.value.id}/cancel`, {}, { key, quiet: true }), {
      done(updated) {
        page.data = { order: updated, qr: "" };
        showToast("已取消", "success");
      },
    });
    async function askCancel() {
      const ok = await vant.showConfirmDialog({ title: "取消订单", message: "确定取消这份订餐吗？" }).then(() => true, () => false);
      if (ok) await cancel.run();
    }
    const preview = () => vant.showImagePreview({ images: [page.data.qr], closeable: true });
    return { page, order, orderDay, label, fresh, cancel, askCancel, preview, hhmm, yuan, dateTime, dayLabel, MEAL_NAMES };
  },
};
