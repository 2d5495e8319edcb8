// One gym: its classes of a day with what is left, book or join the waitlist, walk in.
import { Vue } from "../vendor.js";
import { api, dayLabel, hhmm, localDate, showToast } from "../api.js";
import { go, route } from "../router.js";

const DAYS = 7;

export default {
  template: `
    <div>
      <div v-if="gym" class="status-card confirmed">
        <div class="status-text">{{ gym.name }}</div>
        <div class="muted">{{ gym.offer }}</div>
        <div class="muted">{{ gym.address }} · 营业 {{ gym.open_hours }}</div>
      </div>
      <div v-if="gym?.walk_in" class="actions">
        <van-button block round type="primary" plain data-testid="gym-walk-in" @click="walkIn">今日到店（领取到店券）</van-button>
      </div>
      <van-tabs v-model:active="day" shrink>
        <van-tab v-for="d in days" :key="d" :name="d" :title="dayLabel(d).replace(/^\\d+月/, '')" :title-class="'gym-day-' + d" />
      </van-tabs>
      <van-empty v-if="loaded && !sessions.length" description="当天没有课程" />
      <van-cell-group inset>
        <van-cell v-for="s in sessions" :key="s.id" :data-testid="'session-' + s.id">
          <template #title><b>{{ s.name }}</b> <span class="muted">{{ s.coach }}</span></template>
          <template #label>{{ hhmm(s.start) }}–{{ hhmm(s.end) }} · {{ s.available > 0 ? '余 ' + s.available : '满' }}{{ s.waitlist ? ' · 候补 ' + s.waitlist : '' }}</template>
          <template #value>
            <van-button v-if="s.available > 0" size="small" type="primary" :data-testid="'session-' + s.id + '-book'" @click="book(s, false)">预约</van-button>
            <van-button v-else size="small" plain type="warning" :data-testid="'session-' + s.id + '-wait'" @click="book(s, true)">候补</van-button>
          </template>
        </van-cell>
      </van-cell-group>
    </div>`,
  setup() {
    const days = Array.from({ length: DAYS }, (_, i) => localDate(i));
    const day = Vue.ref(route.query.date && days.includes(route.query.date) ? route.query.date : days[0]);
    const gym = Vue.ref(null);
    const sessions = Vue.ref([]);
    const loaded = Vue.ref(false);
    async function load() {
      sessions.value = (await api.get(`/gym/gyms/${route.params.id}/sessions`, { date: day.value })).items;
      loaded.value = true;
    }
    async function book(session, waitlist) {
      try {
        const booking = await api.post("/gym/bookings", { session_id: session.id, waitlist });
        showToast(booking.status === "waitlisted" ? `已加入候补，第 ${booking.position} 位` : "预约成功", "success");
        go(`/gym/booking/${booking.id}`);
      } catch (err) {
        await load(); // the toast shows the API's message; the list shows what is left now
      }
    }
    async function walkIn() {
      const booking = await api.post("/gym/visits", { gym_id: gym.value.id });
      go(`/gym/booking/${booking.id}`);
    }
    Vue.watch(day, load);
    Vue.onMounted(async () => {
      gym.value = (await api.get("/gym/gyms")).items.find((g) => String(g.id) === String(route.params.id)) || null;
      await load();
    });
    return { gym, days, day, sessions, loaded, book, walkIn, hhmm, dayLabel };
  },
};
