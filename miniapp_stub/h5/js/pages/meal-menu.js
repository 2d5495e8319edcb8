// One menu: pick a pickup slot (what's left is shown; a full one says 满), dishes, submit.
import { Vue, vant } from "../vendor.js";
import { api, dayLabel, hhmm, yuan, showToast } from "../api.js";
import { go, route, replace } from "../router.js";
import { MEAL_NAMES } from "./meals.js";

export default {
  template: `
    <div v-if="menu" class="menu-page">
      <div class="banner">
        <div class="banner-title">{{ dayLabel(menu.date) }} {{ MEAL_NAMES[menu.meal] }}</div>
        <div class="banner-sub">{{ menu.canteen }} · {{ closed ? "已截止预订" : "预订截止 " + hhmm(menu.order_deadline) }} · 每人限 {{ menu.per_user_limit }} 单</div>
      </div>
      <div class="section-title">取餐时段（错峰就餐）</div>
      <div class="slots">
        <button v-for="s in menu.slots" :key="s.id" type="button" :data-testid="'slot-' + s.id"
                :class="['slot', { active: slotId === s.id, full: s.available === 0 }]" @click="slotId = s.id">
          <div class="slot-time">{{ hhmm(s.start) }}–{{ hhmm(s.end) }}</div>
          <div class="slot-left">{{ s.available === 0 ? "满" + (s.waitlist ? " · 候补" + s.waitlist : "") : "余 " + s.available }}</div>
        </button>
      </div>
      <div class="section-title">菜品</div>
      <van-cell-group inset>
        <van-cell v-for="d in menu.dishes" :key="d.id" center>
          <template #title><span class="dish-name">{{ d.name }}</span></template>
          <template #label><span class="price">{{ yuan(d.price_fen) }}</span> <span class="muted">余 {{ d.remaining }} 份</span></template>
          <template #value>
            <div class="qty">
              <button v-if="qty[d.id]" type="button" class="qty-btn minus" :data-testid="'dish-' + d.id + '-remove'" @click="change(d, -1)">−</button>
              <span v-if="qty[d.id]" class="qty-n">{{ qty[d.id] }}</span>
              <button type="button" class="qty-btn" :disabled="d.remaining === 0" :data-testid="'dish-' + d.id + '-add'" @click="change(d, 1)">+</button>
            </div>
          </template>
        </van-cell>
      </van-cell-group>
      <van-cell-group inset class="gap">
        <van-cell title="取餐方式">
          <template #value>
            <van-radio-group v-model="pickup" direction="horizontal">
              <van-radio name="dine_in" data-testid="pickup-dine-in">堂食</van-radio>
              <van-radio name="takeaway" data-testid="pickup-takeaway">打包</van-radio>
            </van-radio-group>
          </template>
        </van-cell>
      </van-cell-group>
      <div class="submit-bar">
        <div class="total">合计 <b>{{ yuan(total) }}</b></div>
        <van-button v-if="selectedFull" type="warning" round :loading="busy" :disabled="!ready" data-testid="order-waitlist" @click="submit(true)">加入候补</van-button>
        <van-button type="primary" round :loading="busy" :disabled="!ready" data-testid="order-submit" @click="submit(false)">提交订单</van-button>
      </div>
    </div>`,
  setup() {
    const menu = Vue.ref(null);
    const slotId = Vue.ref(null);
    const qty = Vue.reactive({});
    const pickup = Vue.ref("dine_in");
    const busy = Vue.ref(false);
    const total = Vue.computed(() => (menu.value?.dishes || []).reduce((sum, d) => sum + (qty[d.id] || 0) * d.price_fen, 0));
    const ready = Vue.computed(() => slotId.value && Object.values(qty).some((n) => n > 0));
    const selectedFull = Vue.computed(() => menu.value?.slots.find((s) => s.id === slotId.value)?.available === 0);
    const closed = Vue.computed(() => menu.value && new Date(menu.value.order_deadline) <= new Date());
    async function load() {
      menu.value = await api.get(`/meals/menus/${route.params.id}`);
    }
    function change(dish, delta) {
      const next = Math.max(0, Math.min(5, (qty[dish.id] || 0) + delta));
      if (next === 5 && delta > 0 && qty[dish.id] === 5) showToast("每道菜最多 5 份");
      qty[dish.id] = next;
    }
    async function place(waitlist) {
      const items = Object.entries(qty).filter(([, n]) => n > 0).map(([id, n]) => ({ dish_id: Number(id), qty: n }));
      return api.post("/meals/orders", { menu_id: menu.value.id, slot_id: slotId.value, items, pickup: pickup.value, waitlist }, { quiet: true });
    }
    async function submit(waitlist) {
      busy.value = true;
      try {
        const order = await place(waitlist);
        showToast(order.status === "waitlisted" ? `已加入候补，第 ${order.position} 位` : "预订成功", "success");
        replace(`/meals/order/${order.id}`);
      } catch (err) {
        showToast(err.message);
        if (err.code === "slot_full" || err.code === "sold_out") await load();
        if (err.code === "slot_full" && !waitlist) offerWaitlist(err);
      } finally {
        busy.value = false;
      }
    }
    async function offerWaitlist(err) {
      const others = (err.details.alternatives || []).map((s) => `${hhmm(s.start)}–${hhmm(s.end)}`);
      const message = `${err.message}。${others.length ? "尚有空位：" + others.slice(0, 3).join("、") + "；" : ""}是否加入该时段候补？`;
      const ok = await vant.showConfirmDialog({ title: "时段已满", message, confirmButtonText: "加入候补", cancelButtonText: "换个时段" }).then(() => true, () => false);
      if (ok) await submit(true);
    }
    Vue.onMounted(load);
    return { menu, slotId, qty, pickup, busy, total, ready, selectedFull, closed, change, submit, hhmm, yuan, dayLabel, MEAL_NAMES, go };
  },
};
