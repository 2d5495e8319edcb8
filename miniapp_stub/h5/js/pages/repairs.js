// Repairs: my tickets and a button to report one.
import { Vue } from "../vendor.js";
import { api, dateTime } from "../api.js";
import { go } from "../router.js";

export const CATEGORIES = {
  electrical: "电路照明", plumbing: "给排水", hvac: "空调暖通", it: "网络电脑", furniture: "家具门窗", other: "其他",
};
export const TICKET_STATUS = {
  open: ["待派单", "warning"], assigned: ["已派单", "primary"], in_progress: ["处理中", "primary"],
  resolved: ["待确认", "success"], closed: ["已完成", "default"], cancelled: ["已取消", "default"],
};

export default {
  template: `
    <div>
      <div class="actions first">
        <van-button type="danger" block round icon="plus" data-testid="repair-new" @click="go('/repairs/new')">我要报修</van-button>
      </div>
      <div class="section-title">我的报修</div>
      <van-empty v-if="loaded && !tickets.length" description="还没有报修记录" />
      <van-cell-group inset>
        <van-cell v-for="t in tickets" :key="t.id" :data-testid="'ticket-' + t.id" is-link @click="go('/repairs/' + t.id)">
          <template #title>{{ CATEGORIES[t.category] }} · {{ t.location }}</template>
          <template #label><div class="ellipsis">{{ t.description }}</div>{{ dateTime(t.created_at) }}</template>
          <template #value><van-tag :type="TICKET_STATUS[t.status][1]">{{ TICKET_STATUS[t.status][0] }}</van-tag></template>
        </van-cell>
      </van-cell-group>
    </div>`,
  setup() {
    const tickets = Vue.ref([]);
    const loaded = Vue.ref(false);
    Vue.onMounted(async () => {
      tickets.value = (await api.get("/repairs", { scope: "mine", limit: 50 })).items;
      loaded.value = true;
    });
    return { tickets, loaded, go, dateTime, CATEGORIES, TICKET_STATUS };
  },
};
