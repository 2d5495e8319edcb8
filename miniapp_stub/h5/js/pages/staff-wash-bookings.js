// My car-wash bay bookings (all cards, or the one card the card page links from), each
// cancellable while it is still a booking.
import { Vue, vant } from "../vendor.js";
import { api, showToast } from "../api.js";
import { span, statusText, statusType } from "../format.js";
import { useAction, usePage } from "../ui.js";
import { route } from "../router.js";

export default {
  template: `
    <div>
      <div class="section-title">{{ cardId ? "这张卡的预约" : "我的洗车预约" }}</div>
      <page-state :page="page" empty="还没有洗车预约">
        <van-cell-group inset>
          <van-cell v-for="b in page.data.items" :key="b.id" :data-testid="'wash-booking-' + b.id" center>
            <template #title>{{ span(b.slot.start, b.slot.end) }}</template>
            <template #label>车牌 {{ b.plate }}</template>
            <template #value>
              <van-tag :type="statusType('carwash_booking', b.status)" :data-testid="'wash-booking-status-' + b.id">{{ statusText("carwash_booking", b.status) }}</van-tag>
            </template>
            <template #right-icon>
              <van-button v-if="b.status === 'confirmed'" plain type="danger" size="small" class="tap gap-left" :loading="cancel.busy && cancelling === b.id"
                          :data-testid="'wash-booking-cancel-' + b.id" @click="ask(b)">取消</van-button>
            </template>
          </van-cell>
        </van-cell-group>
      </page-state>
    </div>`,
  setup() {
    const cardId = Number(route.query.card) || null;
    const cancelling = Vue.ref(null);
    const page = usePage(async () => {
      const found = await api.get("/carwash/bookings", undefined, { quiet: true });
      const items = cardId ? found.items.filter((b) => b.card_id === cardId) : found.items;
      return { ...found, items: [...items].sort((a, b) => b.slot.start.localeCompare(a.slot.start)) };
    });
    // One cancellation = one key: a retry after a lost answer cancels nothing twice.
    const cancel = useAction((key, id) => api.post(`/carwash/bookings/${id}/cancel`, {}, { key, quiet: true }), {
      done() {
        showToast("已取消预约", "success");
        page.refresh();
      },
    });
    async function ask(booking) {
      const ok = await vant.showConfirmDialog({
        title: "取消预约", message: `取消 ${span(booking.slot.start, booking.slot.end)} 车牌 ${booking.plate} 的洗车预约吗？`,
        confirmButtonText: "取消预约", cancelButtonText: "再想想",
      }).then(() => true, () => false);
      if (!ok) return;
      cancelling.value = booking.id;
      await cancel.run(booking.id);
      cancelling.value = null;
    }
    return { cardId, cancelling, page, cancel, ask, span, statusText, statusType };
  },
};
