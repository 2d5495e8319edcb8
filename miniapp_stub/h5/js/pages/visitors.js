// Visitors: my passes (the ones still to come first) and a button to invite someone.
import { api } from "../api.js";
import { span, statusText, statusType } from "../format.js";
import { usePage } from "../ui.js";
import { go } from "../router.js";

function soonestFirst(items, now = Date.now()) {
  const live = items.filter((p) => p.status === "active" && new Date(p.valid_to) >= now).sort((a, b) => a.valid_from.localeCompare(b.valid_from));
  const rest = items.filter((p) => !live.includes(p)).sort((a, b) => b.valid_from.localeCompare(a.valid_from));
  return [...live, ...rest];
}

export default {
  template: `
    <div>
      <div class="actions first">
        <van-button type="primary" block round icon="plus" data-testid="pass-new" @click="go('/visitors/new')">邀请访客</van-button>
      </div>
      <div class="section-title">我的邀约</div>
      <page-state :page="page" empty="还没有邀请过访客，点上面的按钮生成通行码">
        <van-cell-group inset>
          <van-cell v-for="p in page.data" :key="p.id" :data-testid="'pass-' + p.id" is-link @click="go('/visitors/' + p.id)">
            <template #title>{{ p.visitor_name }} <span class="muted">{{ p.purpose }}</span></template>
            <template #label>{{ span(p.valid_from) }} 至 {{ span(p.valid_to) }} · 已入场 {{ p.entries_used }}/{{ p.max_entries }}</template>
            <template #value><van-tag :type="statusType('visitors', p.status)">{{ statusText('visitors', p.status) }}</van-tag></template>
          </van-cell>
        </van-cell-group>
      </page-state>
    </div>`,
  setup() {
    const page = usePage(async () => soonestFirst((await api.get("/visitors/passes", { limit: 50 }, { quiet: true })).items));
    return { page, go, span, statusText, statusType };
  },
};
