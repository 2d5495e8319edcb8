// My bookings: check in around the start, cancel, add to the calendar (.ics).
import { Vue, vant } from "../vendor.js";
import { api, dateTime, hhmm, showToast } from "../api.js";

const STATUS = {
  pending_approval: ["待审批", "warning"], confirmed: ["已预定", "success"], cancelled: ["已取消", "default"],
  released: ["已释放", "default"], rejected: ["未通过", "danger"], completed: ["已结束", "default"],
};

export default {
  template: `
    <div>
      <van-empty v-if="loaded && !bookings.length" description="还没有会议室预定" />
      <div v-for="b in bookings" :key="b.id" class="room-card" :data-testid="'booking-' + b.id">
        <div class="room-head"><b>{{ b.title }}</b><van-tag :type="STATUS[b.status][1]" :data-testid="'booking-status-' + b.id">{{ STATUS[b.status][0] }}</van-tag></div>
        <div class="muted">{{ b.room.name }} · {{ dateTime(b.start) }}–{{ hhmm(b.end) }} · {{ b.attendees }}人</div>
        <div v-if="b.checked_in_at" class="muted">已签到 {{ hhmm(b.checked_in_at) }}</div>
        <div v-if="b.status === 'confirmed' || b.status === 'pending_approval'" class="row-actions">
          <van-button v-if="b.status === 'confirmed' && !b.checked_in_at" size="small" type="primary" :data-testid="'booking-checkin-' + b.id" @click="act(b, 'checkin')">签到</van-button>
          <van-button size="small" plain :data-testid="'booking-ics-' + b.id" @click="ics(b)">加入日历</van-button>
          <van-button size="small" plain type="danger" :data-testid="'booking-cancel-' + b.id" @click="cancel(b)">取消</van-button>
        </div>
      </div>
    </div>`,
  setup() {
    const bookings = Vue.ref([]);
    const loaded = Vue.ref(false);
    async function load() {
      bookings.value = (await api.get("/meetings/bookings", { limit: 50 })).items;
      loaded.value = true;
    }
    async function act(booking, action) {
      Object.assign(booking, await api.post(`/meetings/bookings/${booking.id}/${action}`));
      showToast(action === "checkin" ? "签到成功" : "已取消", "success");
    }
    async function cancel(booking) {
      const ok = await vant.showConfirmDialog({ title: "取消预定", message: `取消「${booking.title}」？` }).then(() => true, () => false);
      if (ok) await act(booking, "cancel");
    }
    function ics(booking) {
      return api.download(`/meetings/bookings/${booking.id}.ics`, `meeting-${booking.id}.ics`);
    }
    Vue.onMounted(load);
    return { bookings, loaded, act, cancel, ics, dateTime, hhmm, STATUS };
  },
};
