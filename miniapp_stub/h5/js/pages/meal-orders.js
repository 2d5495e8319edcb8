// My meal orders: the coming ones soonest first, then the past ones, each with its day.
import { api } from "../api.js";
import { dayLabel, hhmm, yuan, localDate, statusText, statusType } from "../format.js";
import { usePage } from "../ui.js";
import { go } from "../router.js";
import { MEAL_NAMES, orderDay } from "./meals.js";

function soonestFirst(items) {
  const today = localDate();
  const coming = items.filter((o) => orderDay(o) >= today).sort((a, b) => a.slot.start.localeCompare(b.slot.start));
  const past = items.filter((o) => orderDay(o) < today).sort((a, b) => b.slot.start.localeCompare(a.slot.start));
  return [...coming, ...past];
}

export default {
  template: `
    <page-state :page="page" empty="还没有订餐记录，去「餐饮预定」选一份菜单下单">
      <van-cell-group inset class="first">
        <van-cell v-for="o in page.data" :key="o.id" :data-testid="'order-' + o.id" is-link @click="go('/meals/order/' + o.id)">
          <template #title><b>{{ dayLabel(orderDay(o)) }}</b> {{ MEAL_NAMES[o.meal] || "" }} · {{ o.items.map((i) => i.name + '×' + i.qty).join('，') }}</template>
          <template #label>取餐 {{ dayLabel(orderDay(o)) }} {{ hhmm(o.slot.start) }}–{{ hhmm(o.slot.end) }} · {{ yuan(o.total_fen) }}</template>
          <template #value><van-tag :type="statusType('meals', o.status)">{{ statusText('meals', o.status) }}</van-tag></template>
        </van-cell>
      </van-cell-group>
    </page-state>`,
  setup() {
    const page = usePage(async () => soonestFirst((await api.get("/meals/orders", { limit: 50 }, { quiet: true })).items));
    return { page, go, hhmm, yuan, dayLabel, orderDay, statusText, statusType, MEAL_NAMES };
  },
};
