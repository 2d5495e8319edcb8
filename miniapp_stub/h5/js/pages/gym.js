// Gym alliance: this month's quota, the partner gyms, my bookings, the desk screen.
import { api } from "../api.js";
import { usePage } from "../ui.js";
import { go } from "../router.js";

export default {
  template: `
    <div>
      <page-state :page="page">
        <div class="status-card confirmed" data-testid="gym-quota">
          <div class="status-text">本月剩余 <b data-testid="gym-quota-left">{{ page.data.quota.left }}</b> 次</div>
          <div class="muted">{{ page.data.quota.month }} · 共 {{ page.data.quota.quota }} 次，已用 {{ page.data.quota.used }} 次（含候补占用）</div>
        </div>
        <van-cell-group inset>
          <van-cell title="我的健身预约" icon="orders-o" is-link data-testid="gym-mine" @click="go('/gym/mine')" />
        </van-cell-group>
        <div class="section-title">合作场馆</div>
        <van-empty v-if="!page.data.gyms.length" description="暂无合作场馆，场馆签约后会出现在这里" />
        <van-cell-group inset>
          <van-cell v-for="g in page.data.gyms" :key="g.id" :data-testid="'gym-' + g.id" is-link @click="go('/gym/' + g.id)">
            <template #title><b>{{ g.name }}</b></template>
            <template #label>{{ g.offer }}<br>{{ g.address }} · {{ g.open_hours }}</template>
          </van-cell>
        </van-cell-group>
      </page-state>
      <van-cell-group inset class="first">
        <van-cell title="场馆前台核销" icon="scan" is-link data-testid="gym-desk-link" @click="go('/gym/desk')" />
      </van-cell-group>
    </div>`,
  setup() {
    const page = usePage(async () => {
      const [quota, gyms] = await Promise.all([api.get("/gym/quota", null, { quiet: true }), api.get("/gym/gyms", null, { quiet: true })]);
      return { quota, gyms: gyms.items };
    }, { isEmpty: () => false });
    return { page, go };
  },
};
