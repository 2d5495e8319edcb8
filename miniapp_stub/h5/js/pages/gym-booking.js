// One gym booking: its status, the 60-second check-in voucher as a QR, cancel.
import { Vue, vant } from "../vendor.js";
import { api, dateTime, hhmm, showToast } from "../api.js";
import { route } from "../router.js";

export const GYM_STATUS = {
  confirmed: "已预约", waitlisted: "候补中", cancelled: "已取消", late_cancelled: "已取消（不退次数）",
  checked_in: "已签到", no_show: "未到场", expired: "已过期",
};

export default {
  template: `
    <div v-if="booking" class="order-page">
      <div class="status-card" :class="booking.status">
        <div class="status-text" data-testid="gym-booking-status">{{ statusText }}</div>
        <div class="muted">{{ booking.gym.name }}</div>
        <div v-if="booking.session" class="muted">{{ booking.session.name }} · {{ dateTime(booking.session.start) }}–{{ hhmm(booking.session.end) }}</div>
        <div v-else class="muted">到店券 · 当日 {{ hhmm(booking.valid_until) }} 前有效</div>
        <template v-if="voucher">
          <img v-if="qr" :src="qr" class="qr" alt="入场券" data-testid="gym-voucher-qr">
          <div class="code" data-testid="gym-voucher-code">{{ voucher.code }}</div>
          <div class="muted">请向前台出示，{{ hhmm(voucher.expires_at) }} 前有效，仅可使用一次</div>
        </template>
        <div v-if="booking.checked_in_at" class="muted">签到时间 {{ dateTime(booking.checked_in_at) }}</div>
      </div>
      <div class="actions">
        <van-button v-if="booking.status === 'confirmed'" block round type="primary" data-testid="gym-voucher" @click="showVoucher">出示入场券</van-button>
        <van-button v-if="booking.status === 'confirmed' || booking.status === 'waitlisted'" block round plain type="danger" data-testid="gym-cancel" @click="cancel">取消预约</van-button>
      </div>
    </div>`,
  setup() {
    const booking = Vue.ref(null);
    const voucher = Vue.ref(null);
    const qr = Vue.ref("");
    const statusText = Vue.computed(() => {
      const b = booking.value;
      if (!b) return "";
      return b.status === "waitlisted" ? `候补中 · 第 ${b.position} 位` : GYM_STATUS[b.status] || b.status;
    });
    async function load() {
      booking.value = await api.get(`/gym/bookings/${route.params.id}`);
    }
    async function showVoucher() {
      voucher.value = await api.post(`/gym/bookings/${booking.value.id}/voucher`);
      qr.value = await api.imageUrl(`/gym/bookings/${booking.value.id}/voucher.png`);
    }
    async function cancel() {
      const ok = await vant.showConfirmDialog({ title: "取消预约", message: "开课前2小时内取消不退还次数，确定取消吗？" }).then(() => true, () => false);
      if (!ok) return;
      booking.value = await api.post(`/gym/bookings/${booking.value.id}/cancel`);
      voucher.value = null;
      qr.value = "";
      showToast("已取消", "success");
    }
    Vue.onMounted(load);
    return { booking, voucher, qr, statusText, showVoucher, cancel, hhmm, dateTime };
  },
};
