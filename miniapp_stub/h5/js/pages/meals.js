// Meals: the menus of today and the coming days, soonest first. Each day is its own
// request; a day that fails to load is named with a 重试 instead of blanking the list.
import { api } from "../api.js";
import { dayLabel, hhmm, localDate, localDateOf } from "../format.js";
import { usePage } from "../ui.js";
import { go } from "../router.js";

export const MEAL_NAMES = { breakfast: "早餐", lunch: "午餐", dinner: "晚餐" };
const MEAL_ORDER = { breakfast: 0, lunch: 1, dinner: 2 };
const DAYS = 7;

export function menuClosed(menu, now = new Date()) {
  return new Date(menu.order_deadline) <= now;
}

/** An order's day: its menu's date (API.md §3), else the day of its pickup slot. */
export function orderDay(order) {
  return order.date || localDateOf(order.slot.start);
}

export function deadlineText(menu) {
  const day = localDateOf(menu.order_deadline);
  return day === menu.date ? hhmm(menu.order_deadline) : `${dayLabel(day)} ${hhmm(menu.order_deadline)}`;
}

async function loadMenus() {
  const days = Array.from({ length: DAYS }, (_, i) => localDate(i));
  const answers = await Promise.allSettled(days.map((date) => api.get("/meals/menus", { date }, { quiet: true })));
  const failed = days.filter((_, i) => answers[i].status === "rejected");
  if (failed.length === days.length) throw answers[0].reason;
  const items = answers
    .filter((a) => a.status === "fulfilled")
    .flatMap((a) => a.value.items)
    .sort((a, b) => a.date.localeCompare(b.date) || MEAL_ORDER[a.meal] - MEAL_ORDER[b.meal]);
  return { items, failed };
}

export default {
  template: `
    <div>
      <van-cell-group inset class="first">
        <van-cell title="我的订餐" icon="orders-o" is-link data-testid="meal-orders" @click="go('/meals/orders')" />
      </van-cell-group>
      <div class="section-title">近期菜单</div>
      <page-state :page="page">
        <van-notice-bar v-if="page.data.failed.length" wrapable left-icon="warning-o" data-testid="meals-partial">
          {{ page.data.failed.map(dayLabel).join("、") }} 的菜单加载失败
          <van-button size="small" type="warning" round class="tap" data-testid="meals-partial-retry" @click="page.refresh()">重试</van-button>
        </van-notice-bar>
        <van-empty v-if="!page.data.items.length" description="近几天还没有发布菜单，食堂发布后会出现在这里" data-testid="page-empty" />
        <van-cell-group inset>
          <van-cell v-for="m in page.data.items" :key="m.id" :data-testid="'menu-' + m.id" is-link @click="go('/meals/menu/' + m.id)">
            <template #title><b>{{ dayLabel(m.date) }}</b> {{ MEAL_NAMES[m.meal] }}</template>
            <template #label>{{ m.canteen }} · {{ m.dishes.length }} 道菜 · 截止 {{ deadlineText(m) }}</template>
            <template #value>
              <van-tag v-if="menuClosed(m)" type="default">已截止</van-tag>
              <van-tag v-else-if="left(m) === 0" type="danger">已约满</van-tag>
              <van-tag v-else type="success">可预订</van-tag>
            </template>
          </van-cell>
        </van-cell-group>
      </page-state>
    </div>`,
  setup() {
    // Never "empty" as a page state: a partial answer still shows what loaded and what failed.
    const page = usePage(loadMenus, { isEmpty: () => false });
    return {
      page, go, dayLabel, MEAL_NAMES, menuClosed, deadlineText,
      left: (m) => m.slots.reduce((sum, s) => sum + s.available, 0),
    };
  },
};
