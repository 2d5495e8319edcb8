// Facility crew and leads: the ticket queue (leads see all, crew their own).
import { Vue } from "../vendor.js";
import { api } from "../api.js";
import { dateTime, statusText, statusType } from "../format.js";
import { usePage } from "../ui.js";
import { go } from "../router.js";
import { hasRole, session } from "../session.js";
import { CATEGORIES } from "./repairs.js";

const WANTED = { open: ["open"], active: ["assigned", "in_progress"], resolved: ["resolved"], all: [] };

export default {
  template: `
    <div>
      <van-tabs v-model:active="tab" shrink>
        <van-tab v-for="t in tabs" :key="t.name" :name="t.name" :title="t.title" />
      </van-tabs>
      <page-state :page="page" empty="这里没有工单，新的报修派给你后会出现在这里">
        <van-cell-group inset class="gap">
          <van-cell v-for="t in page.data" :key="t.id" :data-testid="'crew-ticket-' + t.id" is-link @click="go('/crew/' + t.id)">
            <template #title>{{ CATEGORIES[t.category] }} · {{ t.location }}</template>
            <template #label><div class="ellipsis">{{ t.description }}</div>{{ t.requester.name }} · {{ dateTime(t.created_at) }}{{ t.assignee ? " · " + t.assignee.name : "" }}</template>
            <template #value><van-tag :type="statusType('repairs', t.status)">{{ statusText('repairs', t.status) }}</van-tag></template>
          </van-cell>
        </van-cell-group>
      </page-state>
    </div>`,
  setup() {
    const lead = hasRole("facility_lead");
    const tabs = lead
      ? [{ name: "open", title: "待派单" }, { name: "active", title: "处理中" }, { name: "resolved", title: "待确认" }, { name: "all", title: "全部" }]
      : [{ name: "active", title: "我的待办" }, { name: "resolved", title: "已处理" }, { name: "all", title: "全部" }];
    const tab = Vue.ref(tabs[0].name);
    const page = usePage(async () => {
      const wanted = WANTED[tab.value];
      const pages = await Promise.all((wanted.length ? wanted : [null]).map((status) =>
        api.get("/repairs", { scope: lead ? "all" : "assigned", status, limit: 100 }, { quiet: true })));
      // The oldest waiting ticket first: it is the one due soonest.
      return pages.flatMap((p) => p.items).sort((a, b) => a.id - b.id);
    });
    Vue.watch(tab, () => page.reload());
    return { tab, tabs, page, go, dateTime, session, CATEGORIES, statusText, statusType };
  },
};
