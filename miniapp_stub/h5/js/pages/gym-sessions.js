// One gym: its classes of a day with what is left, book or join the waitlist, walk in.
// A class that has started is not offered; one booking = one key (a double tap books once).
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dayLabel, hhmm, localDate } from "../format.js";
import { usePage, useAction, showError } from "../ui.js";
import { go, route } from "../router.js";

const DAYS = 7;

export default {
  template: `
    <div>
      <page-state :page="gymPage" :pull="false">
        <div class="status-card confirmed">
          <div class="status-text">{{ gymPage.data.name }}</div>
          <div class="muted">{{ gymPage.data.offer }}</div>
          <div class="muted">{{ gymPage.data.address }} · 营业 {{ gymPage.data.open_hours }}</div>
        </div>
        <div v-if="gymPage.data.walk_in" class="actions">
          <van-button block round type="primary" plain :loading="walk.busy" data-testid="gym-walk-in" @click="walkIn">今日到店（领取到店券）</van-button>
        </div>
      </page-state>
      <van-tabs v-model:active="day" shrink>
        <van-tab v-for="d in days" :key="d" :name="d" :title="dayLabel(d).replace(/^\\d+月/, '')" :title-class="'gym-day-' + d" />
      </van-tabs>
      <div class="section-title">{{ dayLabel(day) }} 的课程</div>
      <page-state :page="page" empty="当天没有课程，换一天看看">
        <van-cell-group inset>
          <van-cell v-for="s in page.data.items" :key="s.id" :data-testid="'session-' + s.id">
            <template #title><b>{{ s.name }}</b> <span class="muted">{{ s.coach }}</span></template>
            <template #label>{{ dayLabel(s.start) }} {{ hhmm(s.start) }}–{{ hhmm(s.end) }} · {{ s.available > 0 ? '余 ' + s.available : '满' }}{{ s.waitlist ? ' · 候补 ' + s.waitlist : '' }}</template>
            <template #value>
              <span v-if="started(s)" class="muted" :data-testid="'session-' + s.id + '-closed'">已开课</span>
              <van-button v-else-if="s.available > 0" size="small" type="primary" class="tap" :loading="book.busy && book.target === s.id"
                          :data-testid="'session-' + s.id + '-book'" @click="run(s, false)">预约</van-button>
              <van-button v-else size="small" plain type="warning" class="tap" :loading="book.busy && book.target === s.id"
                          :data-testid="'session-' + s.id + '-wait'" @click="run(s, true)">候补</van-button>
            </template>
          </van-cell>
        </van-cell-group>
      </page-state>
    </div>`,
  setup() {
    const days = Array.from({ length: DAYS }, (_, i) => localDate(i));
    const day = Vue.ref(route.query.date && days.includes(route.query.date) ? route.query.date : days[0]);
    const gymPage = usePage(async () =>
      (await api.get("/gym/gyms", null, { quiet: true })).items.find((g) => String(g.id) === String(route.params.id)) || null);
    const page = usePage(() => api.get(`/gym/gyms/${route.params.id}/sessions`, { date: day.value }, { quiet: true }));
    const now = Vue.ref(Date.now());
    const started = (s) => new Date(s.start).getTime() <= now.value;
    const book = useAction((key, body) => api.post("/gym/bookings", body, { key, quiet: true }), { quiet: true });
    async function run(session, waitlist) {
      now.value = Date.now();
      if (started(session)) return;
      book.target = session.id;
      const booking = await book.run({ session_id: session.id, waitlist });
      if (booking) {
        showToast(booking.status === "waitlisted" ? `已加入候补，第 ${booking.position} 位` : "预约成功", "success");
        go(`/gym/booking/${booking.id}?new=1`);
        return;
      }
      showError(book.error);
      await page.refresh(); // the list shows what is left now
    }
    const walk = useAction((key, gymId) => api.post("/gym/visits", { gym_id: gymId }, { key, quiet: true }), {
      done: (booking) => go(`/gym/booking/${booking.id}`),
    });
    const walkIn = () => walk.run(gymPage.data.id);
    Vue.watch(day, () => page.reload());
    return { gymPage, page, days, day, book, walk, run, walkIn, started, hhmm, dayLabel };
  },
};
