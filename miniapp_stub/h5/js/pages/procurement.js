// Purchase requests: my requests, the approver's queue, procurement's order/receive lists.
import { Vue } from "../vendor.js";
import { api, dateTime, yuan } from "../api.js";
import { go, route } from "../router.js";
import { hasRole } from "../session.js";

export const PURCHASE_CATEGORIES = { office: "办公用品", furniture: "家具", equipment: "设备", other: "其他" };
export const PURCHASE_STATUS = {
  pending_dept: ["待部门审批", "warning"], pending_procurement: ["待采购办审批", "warning"],
  pending_leader: ["待领导审批", "warning"], approved: ["已批准", "success"], rejected: ["已驳回", "danger"],
  withdrawn: ["已撤回", "default"], ordered: ["已下单", "primary"], received: ["已收货", "default"],
};
export const STAGES = { dept_head: "部门负责人", procurement: "采购办", leader: "分管领导" };

/** "12.5" yuan → 1250 fen without floating point; null if it is not an amount. */
export function toFen(text) {
  const found = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(String(text ?? "").trim());
  if (!found) return null;
  return Number(found[1]) * 100 + Number((found[2] || "").padEnd(2, "0"));
}

export default {
  template: `
    <div>
      <div class="actions first">
        <van-button type="primary" block round icon="plus" data-testid="purchase-new" @click="go('/procurement/new')">新建采购申请</van-button>
      </div>
      <van-tabs v-model:active="tab" shrink sticky offset-top="46" @change="load">
        <van-tab v-for="t in tabs" :key="t.name" :name="t.name" :title="t.title" :title-class="'tab-' + t.name" />
      </van-tabs>
      <van-empty v-if="loaded && !items.length" description="暂无采购申请" />
      <van-cell-group inset class="gap">
        <van-cell v-for="r in items" :key="r.id" :data-testid="'purchase-' + r.id" is-link @click="go('/procurement/' + r.id)">
          <template #title><span class="ellipsis">{{ r.title }}</span></template>
          <template #label>{{ r.department }} · {{ r.requester.name }} · {{ yuan(r.total_fen) }}<br>{{ dateTime(r.created_at) }}</template>
          <template #value><van-tag :type="PURCHASE_STATUS[r.status][1]">{{ PURCHASE_STATUS[r.status][0] }}</van-tag></template>
        </van-cell>
      </van-cell-group>
      <div v-if="hasRole('procurement')" class="actions">
        <van-button block round plain type="primary" data-testid="purchase-report" @click="go('/procurement/report')">采购月报</van-button>
      </div>
    </div>`,
  setup() {
    const tabs = [
      { name: "mine", title: "我的申请", query: { scope: "mine" } },
      hasRole("dept_head", "procurement") && { name: "approve", title: "待我审批", query: { scope: "to_approve" } },
      hasRole("procurement") && { name: "order", title: "待下单", query: { scope: "all", status: "approved" } },
      hasRole("procurement") && { name: "receive", title: "待收货", query: { scope: "all", status: "ordered" } },
    ].filter(Boolean);
    const tab = Vue.ref(tabs.some((t) => t.name === route.query.tab) ? route.query.tab : "mine");
    const items = Vue.ref([]);
    const loaded = Vue.ref(false);
    async function load() {
      history.replaceState(null, "", `${location.pathname}${location.search}#/procurement?tab=${tab.value}`);
      const query = tabs.find((t) => t.name === tab.value).query;
      loaded.value = false;
      items.value = (await api.get("/procurement/requests", { ...query, limit: 50 })).items;
      loaded.value = true;
    }
    Vue.onMounted(load);
    return { tab, tabs, items, loaded, load, go, yuan, dateTime, hasRole, PURCHASE_STATUS };
  },
};
