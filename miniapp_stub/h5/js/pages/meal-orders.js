// My meal orders, newest first.
import { Vue } from "../vendor.js";
import { api, dayLabel, hhmm, yuan } from "../api.js";
import { go } from "../router.js";

export const ORDER_STATUS = {
  confirmed: ["已预订", "success"], waitlisted: ["候补中", "warning"], cancelled: ["已取消", "default"],
  served: ["已取餐", "primary"], no_show: ["未取餐", "danger"],
};

export default {
  template: `
    <div>
      <van-empty v-if="loaded && !orders.length" description="还没有订餐记录" />
      <van-cell-group inset class="first">
        <van-cell v-for="o in orders" :key="o.id" :data-testid="'order-' + o.id" is-link @click="go('/meals/order/' + o.id)">
          <template #title>{{ o.items.map((i) => i.name + '×' + i.qty).join('，') }}</template>
          <template #label>取餐 {{ hhmm(o.slot.start) }}–{{ hhmm(o.slot.end) }} · {{ yuan(o.total_fen) }}</template>
          <template #value><van-tag :type="ORDER_STATUS[o.status][1]">{{ ORDER_STATUS[o.status][0] }}</van-tag></template>
        </van-cell>
      </van-cell-group>
    </div>`,
  setup() {
    const orders = Vue.ref([]);
    const loaded = Vue.ref(false);
    Vue.onMounted(async () => {
      orders.value = (await api.get("/meals/orders", { limit: 50 })).items;
      loaded.value = true;
    });
    return { orders, loaded, go, hhmm, yuan, dayLabel, ORDER_STATUS };
  },
};
