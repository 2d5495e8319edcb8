// My bookings, soonest first (the coming ones, then the past): check in from 10 min before
// the start to 15 min after (outside that window the button says when), cancel, add to the
// calendar (.ics).
import { Vue, vant } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dateTime, hhmm, span, statusText, statusType } from "../format.js";
import { usePage, useAction } from "../ui.js";
import { route } from "../router.js";
import SubscribeOffer from "./subscribe-offer.js";

const OPEN_BEFORE = 10 * 60_000;
const OPEN_AFTER = 15 * 60_000;

function soonestFirst(items, now = Date.now()) {
  const coming = items.filter((b) => new Date(b.end) >= now).sort((a, b) => a.start.localeCompare(b.start));
  const past = items.filter((b) => new Date(b.end) < now).sort((a, b) => b.start.localeCompare(a.start));
  return [...coming, ...past];
}

/** Why 签到 is not open now, or "" when it is. */
export function checkinClosedReason(booking, now = Date.now()) {
  const start = new Date(booking.start).getTime();
  if (now < start - OPEN_BEFORE) return `${dateTime(new Date(start - OPEN_BEFORE).toISOString())} 起可签到`;
  if (now > start + OPEN_AFTER) return "已过签到时间";
  return "";
}

export default {
  components: { SubscribeOffer },
  template: `
    <div>
      <subscribe-offer v-if="fresh" kinds="meeting" label="订阅会议提醒" />
      <page-state :page="page" empty="还没有会议室预定，去「会议室预定」选一间">
        <div v-for="b in page.data" :key="b.id" class="room-card" :data-testid="'booking-' + b.id">
          <div class="room-head"><b>{{ b.title }}</b><van-tag :type="statusType('meetings', b.status)" :data-testid="'booking-status-' + b.id">{{ statusText('meetings', b.status) }}</van-tag></div>
          <div class="muted" :data-testid="'booking-when-' + b.id">{{ b.room.name }} · {{ span(b.start, b.end) }} · {{ b.attendees }}人</div>
          <div v-if="b.checked_in_at" class="muted">已签到 {{ hhmm(b.checked_in_at) }}</div>
          <div v-if="b.status === 'confirmed' || b.status === 'pending_approval'" class="row-actions">
            <template v-if="b.status === 'confirmed' && !b.checked_in_at">
              <van-button size="small" type="primary" class="tap" :disabled="Boolean(closedReason(b))" :loading="act.busy && act.target === b.id"
                          :data-testid="'booking-checkin-' + b.id" @click="run(b, 'checkin')">签到</van-button>
            </template>
            <van-button size="small" plain class="tap" :data-testid="'booking-ics-' + b.id" @click="ics(b)">加入日历</van-button>
            <van-button size="small" plain type="danger" class="tap" :loading="act.busy && act.target === b.id" :data-testid="'booking-cancel-' + b.id" @click="cancel(b)">取消</van-button>
            <div v-if="b.status === 'confirmed' && !b.checked_in_at && closedReason(b)" class="muted small" :data-testid="'booking-checkin-reason-' + b.id">{{ closedReason(b) }}</div>
          </div>
        </div>
      </page-state>
    </div>`,
  setup() {
    const page = usePage(async () => soonestFirst((await api.get("/meetings/bookings", { limit: 50 }, { quiet: true })).items));
    const fresh = route.query?.new === "1";
    const now = Vue.ref(Date.now());
    const timer = setInterval(() => { now.value = Date.now(); }, 30_000);
    Vue.onUnmounted(() => clearInterval(timer));
    const act = useAction((key, id, action) => api.post(`/meetings/bookings/${id}/${action}`, {}, { key, quiet: true }));
    async function run(booking, action) {
      act.target = booking.id;
      const updated = await act.run(booking.id, action);
      if (!updated) return;
      Object.assign(booking, updated);
      showToast(action === "checkin" ? "签到成功" : "已取消", "success");
    }
    async function cancel(booking) {
      const ok = await vant.showConfirmDialog({ title: "取消预定", message: `取消「${booking.title}」（${span(booking.start, booking.end)}）？` }).then(() => true, () => false);
      if (ok) await run(booking, "cancel");
    }
    function ics(booking) {
      return api.download(`/meetings/bookings/${booking.id}.ics`, `meeting-${booking.id}.ics`);
    }
    const closedReason = (b) => checkinClosedReason(b, now.value);
    return { page, fresh, act, run, cancel, ics, closedReason, dateTime, hhmm, span, statusText, statusType };
  },
};
