// Gym alliance: this month's quota, the partner gyms, my bookings, the desk screen.
import { Vue } from "../vendor.js";
import { api } from "../api.js";
import { go } from "../router.js";

export default {
  template: `
    <div>
      <div v-if="quota" class="status-card confirmed" data-testid="gym-quota">
        <div class="status-text">本月剩余 <b data-testid="gym-quota-left">{{ quota.left }}</b> 次</div>
        <div class="muted">{{ quota.month }} · 共 {{ quota.quota }} 次，已用 {{ quota.used }} 次（含候补占用）</div>
      </div>
      <van-cell-group inset>
        <van-cell title="我的健身预约" icon="orders-o" is-link data-testid="gym-mine" @click="go('/gym/mine')" />
      </van-cell-group>
      <div class="section-title">合作场馆</div>
      <van-empty v-if="loaded && !gyms.length" description="暂无合作场馆" />
      <van-cell-group inset>
        <van-cell v-for="g in gyms" :key="g.id" :data-testid="'gym-' + g.id" is-link @click="go('/gym/' + g.id)">
          <template #title><b>{{ g.name }}</b></template>
          <template #label>{{ g.offer }}<br>{{ g.address }} · {{ g.open_hours }}</template>
        </van-cell>
      </van-cell-group>
      <van-cell-group inset class="first">
        <van-cell title="场馆前台核销" icon="scan" is-link data-testid="gym-desk-link" @click="go('/gym/desk')" />
      </van-cell-group>
    </div>`,
  setup() {
    const gyms = Vue.ref([]);
    const quota = Vue.ref(null);
    const loaded = Vue.ref(false);
    Vue.onMounted(async () => {
      [quota.value, gyms.value] = await Promise.all([api.get("/gym/quota"), api.get("/gym/gyms").then((p) => p.items)]);
      loaded.value = true;
    });
    return { gyms, quota, loaded, go };
  },
};
