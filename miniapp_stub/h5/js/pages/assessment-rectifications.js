// Rectifications: a team contact's (their team's) or an inspector's (every team's), due first.
import { api } from "../api.js";
import { dateTime, statusText, statusType } from "../format.js";
import { usePage } from "../ui.js";
import { go } from "../router.js";

export default {
  template: `
    <page-state :page="page" empty="暂无整改单，检查发现问题后会出现在这里">
      <van-cell-group inset class="gap">
        <van-cell v-for="r in page.data" :key="r.id" :data-testid="'rect-' + r.id" is-link @click="go('/assessment/rectifications/' + r.id)"
                  :title="r.team.name + ' · ' + r.standard.text" :label="'截止 ' + dateTime(r.due)">
          <template #value><van-tag :type="statusType('assessment', r.status)">{{ statusText('assessment', r.status) }}</van-tag></template>
        </van-cell>
      </van-cell-group>
    </page-state>`,
  setup() {
    const page = usePage(async () => {
      const items = (await api.get("/assessment/rectifications", { limit: 100 }, { quiet: true })).items;
      const done = (r) => (r.status === "verified" ? 1 : 0);
      return [...items].sort((a, b) => done(a) - done(b) || a.due.localeCompare(b.due));
    });
    return { page, go, dateTime, statusText, statusType };
  },
};
