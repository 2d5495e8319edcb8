// Visitors: my passes and a button to invite someone.
import { Vue } from "../vendor.js";
import { api, dateTime } from "../api.js";
import { go } from "../router.js";

export const PASS_STATUS = {
  active: ["有效", "success"], revoked: ["已撤销", "default"], expired: ["已过期", "default"], used_up: ["已用完", "warning"],
};

export default {
  template: `
    <div>
      <div class="actions first">
        <van-button type="primary" block round icon="plus" data-testid="pass-new" @click="go('/visitors/new')">邀请访客</van-button>
      </div>
      <div class="section-title">我的邀约</div>
      <van-empty v-if="loaded && !passes.length" description="还没有邀请过访客" />
      <van-cell-group inset>
        <van-cell v-for="p in passes" :key="p.id" :data-testid="'pass-' + p.id" is-link @click="go('/visitors/' + p.id)">
          <template #title>{{ p.visitor_name }} <span class="muted">{{ p.purpose }}</span></template>
          <template #label>{{ dateTime(p.valid_from) }} 至 {{ dateTime(p.valid_to) }} · 已入场 {{ p.entries_used }}/{{ p.max_entries }}</template>
          <template #value><van-tag :type="PASS_STATUS[p.status][1]">{{ PASS_STATUS[p.status][0] }}</van-tag></template>
        </van-cell>
      </van-cell-group>
    </div>`,
  setup() {
    const passes = Vue.ref([]);
    const loaded = Vue.ref(false);
    Vue.onMounted(async () => {
      passes.value = (await api.get("/visitors/passes", { limit: 50 })).items;
      loaded.value = true;
    });
    return { passes, loaded, go, dateTime, PASS_STATUS };
  },
};
