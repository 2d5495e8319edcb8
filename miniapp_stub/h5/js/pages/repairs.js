// Repairs: my tickets and a button to report one.
import { api } from "../api.js";
import { dateTime, statusText, statusType } from "../format.js";
import { usePage } from "../ui.js";
import { go } from "../router.js";

export const CATEGORIES = {
  electrical: "电路照明", plumbing: "给排水", hvac: "空调暖通", it: "网络电脑", furniture: "家具门窗", other: "其他",
};

export default {
  template: `
    <div>
      <div class="actions first">
        <van-button type="danger" block round icon="plus" data-testid="repair-new" @click="go('/repairs/new')">我要报修</van-button>
      </div>
      <div class="section-title">我的报修</div>
      <page-state :page="page" empty="还没有报修记录，设备坏了点上面的按钮报修">
      <van-cell-group inset>
        <van-cell v-for="t in page.data.items" :key="t.id" :data-testid="'ticket-' + t.id" is-link @click="go('/repairs/' + t.id)">
          <template #title>{{ CATEGORIES[t.category] }} · {{ t.location }}</template>
          <template #label><div class="ellipsis">{{ t.description }}</div>{{ dateTime(t.created_at) }}</template>
          <template #value><van-tag :type="statusType('repairs', t.status)">{{ statusText('repairs', t.status) }}</van-tag></template>
        </van-cell>
      </van-cell-group>
      </page-state>
    </div>`,
  setup() {
    const page = usePage(() => api.get("/repairs", { scope: "mine", limit: 50 }, { quiet: true }));
    return { page, go, dateTime, CATEGORIES, statusText, statusType };
  },
};
