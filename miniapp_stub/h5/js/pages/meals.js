// Meals: the menus of today and the coming days.
import { Vue } from "../vendor.js";
import { api, dayLabel, hhmm, localDate } from "../api.js";
import { go } from "../router.js";

export const MEAL_NAMES = { breakfast: "早餐", lunch: "午餐", dinner: "晚餐" };
const DAYS = 7;

export default {
  template: `
    <div>
      <van-cell-group inset class="first">
        <van-cell title="我的订餐" icon="orders-o" is-link data-testid="meal-orders" @click="go('/meals/orders')" />
      </van-cell-group>
      <div class="section-title">近期菜单</div>
      <van-empty v-if="loaded && !menus.length" description="近几天还没有发布菜单" />
      <van-cell-group inset>
        <van-cell v-for="m in menus" :key="m.id" :data-testid="'menu-' + m.id" is-link @click="go('/meals/menu/' + m.id)">
          <template #title><b>{{ dayLabel(m.date) }}</b> {{ MEAL_NAMES[m.meal] }}</template>
          <template #label>{{ m.canteen }} · {{ m.dishes.length }} 道菜 · 截止 {{ deadline(m) }}</template>
          <template #value>
            <van-tag v-if="closed(m)" type="default">已截止</van-tag>
            <van-tag v-else-if="left(m) === 0" type="danger">已约满</van-tag>
            <van-tag v-else type="success">可预订</van-tag>
          </template>
        </van-cell>
      </van-cell-group>
    </div>`,
  setup() {
    const menus = Vue.ref([]);
    const loaded = Vue.ref(false);
    Vue.onMounted(async () => {
      const days = Array.from({ length: DAYS }, (_, i) => localDate(i));
      const pages = await Promise.all(days.map((date) => api.get("/meals/menus", { date })));
      menus.value = pages.flatMap((page) => page.items);
      loaded.value = true;
    });
    return {
      menus, loaded, go, dayLabel, MEAL_NAMES,
      closed: (m) => new Date(m.order_deadline) <= new Date(),
      left: (m) => m.slots.reduce((sum, s) => sum + s.available, 0),
      deadline: (m) => (m.order_deadline.slice(0, 10) === m.date ? hhmm(m.order_deadline) : `${dayLabel(m.order_deadline.slice(0, 10))} ${hhmm(m.order_deadline)}`),
    };
  },
};
