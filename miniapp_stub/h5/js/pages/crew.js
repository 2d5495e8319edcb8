// Facility crew and leads: the ticket queue (leads see all, crew their own).
import { Vue } from "../vendor.js";
import { api, dateTime } from "../api.js";
import { go } from "../router.js";
import { hasRole, session } from "../session.js";
import { CATEGORIES, TICKET_STATUS } from "./repairs.js";

export default {
  template: `
    <div>
      <van-tabs v-model:active="tab" shrink>
        <van-tab v-for="t in tabs" :key="t.name" :name="t.name" :title="t.title" />
      </van-tabs>
      <van-empty v-if="loaded && !tickets.length" description="没有工单" />
      <van-cell-group inset class="gap">
        <van-cell v-for="t in tickets" :key="t.id" :data-testid="'crew-ticket-' + t.id" is-link @click="go('/crew/' + t.id)">
          <template #title>{{ CATEGORIES[t.category] }} · {{ t.location }}</template>
          <template #label><div class="ellipsis">{{ t.description }}</div>{{ t.requester.name }} · {{ dateTime(t.created_at) }}{{ t.assignee ? " · " + t.assignee.name : "" }}</template>
          <template #value><van-tag :type="TICKET_STATUS[t.status][1]">{{ TICKET_STATUS[t.status][0] }}</van-tag></template>
        </van-cell>
      </van-cell-group>
    </div>`,
  setup() {
    const lead = hasRole("facility_lead");
    const tabs = lead
      ? [{ name: "open", title: "待派单" }, { name: "active", title: "处理中" }, { name: "resolved", title: "待确认" }, { name: "all", title: "全部" }]
      : [{ name: "active", title: "我的待办" }, { name: "resolved", title: "已处理" }, { name: "all", title: "全部" }];
    const tab = Vue.ref(tabs[0].name);
    const tickets = Vue.ref([]);
    const loaded = Vue.ref(false);
    const STATUS = { open: ["open"], active: ["assigned", "in_progress"], resolved: ["resolved"], all: [] };
    async function load() {
      const wanted = STATUS[tab.value];
      const pages = await Promise.all((wanted.length ? wanted : [null]).map((status) =>
        api.get("/repairs", { scope: lead ? "all" : "assigned", status, limit: 100 })));
      tickets.value = pages.flatMap((p) => p.items).sort((a, b) => b.id - a.id);
      loaded.value = true;
    }
    Vue.watch(tab, load);
    Vue.onMounted(load);
    return { tab, tabs, tickets, loaded, go, dateTime, session, CATEGORIES, TICKET_STATUS };
  },
};
