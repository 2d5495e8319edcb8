// My gym bookings and walk-in visits, newest first.
import { Vue } from "../vendor.js";
import { api, dateTime } from "../api.js";
import { go } from "../router.js";
import { GYM_STATUS } from "./gym-booking.js";

export default {
  template: `
    <div>
      <van-empty v-if="loaded && !items.length" description="还没有健身预约" />
      <van-cell-group inset class="first">
        <van-cell v-for="b in items" :key="b.id" :data-testid="'gym-booking-' + b.id" is-link @click="go('/gym/booking/' + b.id)">
          <template #title><b>{{ b.session ? b.session.name : '到店体验' }}</b> <span class="muted">{{ b.gym.name }}</span></template>
          <template #label>{{ b.session ? dateTime(b.session.start) : dateTime(b.created_at) }}</template>
          <template #value>{{ b.status === 'waitlisted' ? '候补第 ' + b.position + ' 位' : GYM_STATUS[b.status] }}</template>
        </van-cell>
      </van-cell-group>
    </div>`,
  setup() {
    const items = Vue.ref([]);
    const loaded = Vue.ref(false);
    Vue.onMounted(async () => {
      items.value = (await api.get("/gym/bookings", { limit: 50 })).items;
      loaded.value = true;
    });
    return { items, loaded, go, dateTime, GYM_STATUS };
  },
};
