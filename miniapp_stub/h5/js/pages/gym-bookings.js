// My gym bookings and walk-in visits: the coming ones soonest first, then the past.
import { api } from "../api.js";
import { dateTime, span, statusText, statusType } from "../format.js";
import { usePage } from "../ui.js";
import { go } from "../router.js";

const when = (b) => (b.session ? b.session.start : b.created_at);

function soonestFirst(items, now = Date.now()) {
  const coming = items.filter((b) => new Date(when(b)) >= now).sort((a, b) => when(a).localeCompare(when(b)));
  const past = items.filter((b) => new Date(when(b)) < now).sort((a, b) => when(b).localeCompare(when(a)));
  return [...coming, ...past];
}

export default {
  template: `
    <page-state :page="page" empty="还没有健身预约，去「健身联盟」选一家场馆">
      <van-cell-group inset class="first">
        <van-cell v-for="b in page.data" :key="b.id" :data-testid="'gym-booking-' + b.id" is-link @click="go('/gym/booking/' + b.id)">
          <template #title><b>{{ b.session ? b.session.name : '到店体验' }}</b> <span class="muted">{{ b.gym.name }}</span></template>
          <template #label>{{ b.session ? span(b.session.start, b.session.end) : dateTime(b.created_at) }}</template>
          <template #value>
            <van-tag :type="statusType('gym', b.status)">{{ b.status === 'waitlisted' ? '候补第 ' + b.position + ' 位' : statusText('gym', b.status) }}</van-tag>
          </template>
        </van-cell>
      </van-cell-group>
    </page-state>`,
  setup() {
    const page = usePage(async () => soonestFirst((await api.get("/gym/bookings", { limit: 50 }, { quiet: true })).items));
    return { page, go, dateTime, span, statusText, statusType };
  },
};
