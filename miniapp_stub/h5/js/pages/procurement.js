// Purchase requests: my requests, the approver's queue, procurement's order/receive lists.
import { Vue } from "../vendor.js";
import { api } from "../api.js";
import { dateTime, yuan, statusText, statusType } from "../format.js";
import { usePage } from "../ui.js";
import { go, route } from "../router.js";
import { hasRole } from "../session.js";

export const PURCHASE_CATEGORIES = { office: "办公用品", furniture: "家具", equipment: "设备", other: "其他" };
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
      <van-tabs v-model:active="tab" shrink sticky offset-top="46" @change="changed">
        <van-tab v-for="t in tabs" :key="t.name" :name="t.name" :title="t.title" :title-class="'tab-' + t.name" />
      </van-tabs>
      <page-state :page="page" :empty="tab === 'mine' ? '还没有采购申请，点上面的按钮新建' : '这里暂时没有待办的申请'">
      <van-cell-group inset class="gap">
        <van-cell v-for="r in page.data.items" :key="r.id" :data-testid="'purchase-' + r.id" is-link @click="go('/procurement/' + r.id)">
          <template #title><span class="ellipsis">{{ r.title }}</span></template>
          <template #label>{{ r.department }} · {{ r.requester.name }} · {{ yuan(r.total_fen) }}<br>{{ dateTime(r.created_at) }}</template>
          <template #value><van-tag :type="statusType('procurement', r.status)">{{ statusText('procurement', r.status) }}</van-tag></template>
        </van-cell>
      </van-cell-group>
      </page-state>
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
    const page = usePage(() => {
      const query = tabs.find((t) => t.name === tab.value).query;
      return api.get("/procurement/requests", { ...query, limit: 50 }, { quiet: true });
    });
    function changed() {
      history.replaceState(null, "", `${location.pathname}${location.search}#/procurement?tab=${tab.value}`);
      page.reload();
    }
    return { tab, tabs, page, changed, go, yuan, dateTime, hasRole, statusText, statusType };
  },
};
