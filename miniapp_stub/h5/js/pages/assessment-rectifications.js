// Rectifications: a team contact's (their team's) or an inspector's (every team's), due first.
import { Vue } from "../vendor.js";
import { api, dateTime } from "../api.js";
import { go } from "../router.js";

export const RECT_STATUS = { open: ["待整改", "warning"], submitted: ["待复查", "primary"], verified: ["已通过", "success"], overdue: ["已逾期", "danger"] };

export default {
  template: `
    <div>
      <van-empty v-if="loaded && !items.length" description="暂无整改单" />
      <van-cell-group inset class="gap">
        <van-cell v-for="r in items" :key="r.id" :data-testid="'rect-' + r.id" is-link @click="go('/assessment/rectifications/' + r.id)"
                  :title="r.team.name + ' · ' + r.standard.text" :label="'截止 ' + dateTime(r.due)">
          <template #value><van-tag :type="RECT_STATUS[r.status][1]">{{ RECT_STATUS[r.status][0] }}</van-tag></template>
        </van-cell>
      </van-cell-group>
    </div>`,
  setup() {
    const items = Vue.ref([]), loaded = Vue.ref(false);
    Vue.onMounted(async () => {
      items.value = (await api.get("/assessment/rectifications", { limit: 100 })).items;
      loaded.value = true;
    });
    return { items, loaded, go, dateTime, RECT_STATUS };
  },
};
