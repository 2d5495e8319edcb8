// One gym booking: its day and status, the 60-second check-in voucher as a QR, cancel.
import { Vue, vant } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dateTime, dayLabel, hhmm, span, statusText } from "../format.js";
import { usePage, useAction } from "../ui.js";
import { route } from "../router.js";
import SubscribeOffer from "./subscribe-offer.js";

export default {
  components: { SubscribeOffer },
  template: `
    <page-state :page="page" :pull="false">
      <div v-if="booking" class="order-page">
        <div class="status-card" :class="booking.status">
          <div class="status-text" data-testid="gym-booking-status">{{ label }}</div>
          <div class="muted">{{ booking.gym.name }}</div>
          <div v-if="booking.session" class="muted" data-testid="gym-booking-when">{{ booking.session.name }} · {{ span(booking.session.start, booking.session.end) }}</div>
          <div v-else class="muted" data-testid="gym-booking-when">到店券 · {{ dayLabel(booking.valid_until || booking.created_at) }} {{ hhmm(booking.valid_until) }} 前有效</div>
          <template v-if="voucher">
            <img v-if="qr" :src="qr" class="qr" alt="入场券，点按放大" data-testid="gym-voucher-qr" @click="preview">
            <div class="code" data-testid="gym-voucher-code">{{ voucher.code }}</div>
            <div class="muted">请向前台出示，{{ hhmm(voucher.expires_at) }} 前有效，仅可使用一次</div>
          </template>
          <div v-if="booking.checked_in_at" class="muted">签到时间 {{ dateTime(booking.checked_in_at) }}</div>
        </div>
        <subscribe-offer v-if="fresh" kinds="gym" label="订阅健身提醒" />
        <div class="actions">
          <van-button v-if="booking.status === 'confirmed'" block round type="primary" :loading="showing.busy" data-testid="gym-voucher" @click="showing.run()">出示入场券</van-button>
          <van-button v-if="booking.status === 'confirmed' || booking.status === 'waitlisted'" block round plain type="danger" :loading="cancel.busy"
                      data-testid="gym-cancel" @click="askCancel">取消预约</van-button>
        </div>
      </div>
    </page-state>`,
  setup() {
    const page = usePage(() => api.get(`/gym/bookings/${route.params.id}`, null, { quiet: true }));
    const booking = Vue.computed(() => page.data);
    const fresh = route.query?.new === "1";
    const voucher = Vue.ref(null);
    const qr = Vue.ref("");
    const label = Vue.computed(() => {
      const b = booking.value;
      if (!b) return "";
      return b.status === "waitlisted" ? `候补中 · 第 ${b.position} 位` : statusText("gym", b.status);
    });
    // A voucher lives 60 s: each tap asks for a fresh one (a new intent each time).
    const showing = useAction((key) => api.post(`/gym/bookings/${booking.value.id}/voucher`, {}, { key, quiet: true }), {
      async done(made) {
        voucher.value = made;
        showing.reset();
        qr.value = await api.imageUrl(`/gym/bookings/${booking.value.id}/voucher.png`).catch(() => "");
      },
    });
    const cancel = useAction((key) => api.post(`/gym/bookings/${booking.value.id}/cancel`, {}, { key, quiet: true }), {
      done(updated) {
        page.data = updated;
        voucher.value = null;
        qr.value = "";
        showToast("已取消", "success");
      },
    });
    async function askCancel() {
      const ok = await vant.showConfirmDialog({ title: "取消预约", message: "开课前2小时内取消不退还次数，确定取消吗？" }).then(() => true, () => false);
      if (ok) await cancel.run();
    }
    const preview = () => vant.showImagePreview({ images: [qr.value], closeable: true });
    return { page, booking, fresh, voucher, qr, label, showing, cancel, askCancel, preview, hhmm, dateTime, dayLabel, span };
  },
};
