// One menu: pick a pickup slot (what's left is shown; a full one says 满, a past one is
// closed), dishes, submit. After the order deadline nothing can be ordered: said, not offered.
import { Vue, vant } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dayLabel, hhmm, yuan } from "../format.js";
import { usePage, useAction, showError } from "../ui.js";
import { route, replace } from "../router.js";
import { MEAL_NAMES, menuClosed, deadlineText } from "./meals.js";

export default {
  template: `
    <page-state :page="page" :pull="false">
      <div v-if="menu" class="menu-page">
        <div class="banner">
          <div class="banner-title">{{ dayLabel(menu.date) }} {{ MEAL_NAMES[menu.meal] }}</div>
          <div class="banner-sub">{{ menu.canteen }} · {{ closed ? "已截止预订" : "预订截止 " + deadlineText(menu) }} · 每人限 {{ menu.per_user_limit }} 单</div>
        </div>
        <div class="section-title">取餐时段（错峰就餐）</div>
        <div class="slots">
          <button v-for="s in menu.slots" :key="s.id" type="button" :data-testid="'slot-' + s.id" :disabled="slotPast(s)"
                  :class="['slot', { active: slotId === s.id, full: s.available === 0 || slotPast(s) }]" @click="slotId = s.id">
            <div class="slot-time">{{ hhmm(s.start) }}–{{ hhmm(s.end) }}</div>
            <div class="slot-left">{{ slotPast(s) ? "已过" : s.available === 0 ? "满" + (s.waitlist ? " · 候补" + s.waitlist : "") : "余 " + s.available }}</div>
          </button>
        </div>
        <div class="section-title">菜品</div>
        <van-cell-group inset>
          <van-cell v-for="d in menu.dishes" :key="d.id" center>
            <template #title><span class="dish-name">{{ d.name }}</span></template>
            <template #label><span class="price">{{ yuan(d.price_fen) }}</span> <span class="muted">余 {{ d.remaining }} 份</span></template>
            <template #value>
              <div class="qty">
                <button v-if="qty[d.id]" type="button" class="qty-btn minus" :aria-label="'减少' + d.name" :data-testid="'dish-' + d.id + '-remove'" @click="change(d, -1)">−</button>
                <span v-if="qty[d.id]" class="qty-n">{{ qty[d.id] }}</span>
                <button type="button" class="qty-btn" :aria-label="'增加' + d.name" :disabled="d.remaining === 0 || closed" :data-testid="'dish-' + d.id + '-add'" @click="change(d, 1)">+</button>
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
        <div v-if="closed" class="muted center gap" data-testid="order-closed-reason">已过预订截止时间（{{ deadlineText(menu) }}），不能再下单</div>
        <div class="submit-bar">
          <div class="total">合计 <b>{{ yuan(total) }}</b></div>
          <van-button v-if="selectedFull" type="warning" round :loading="order.busy" :disabled="!ready" data-testid="order-waitlist" @click="submit(true)">加入候补</van-button>
          <van-button type="primary" round :loading="order.busy" :disabled="!ready" data-testid="order-submit" @click="submit(false)">{{ closed ? "已截止" : "提交订单" }}</van-button>
        </div>
      </div>
    </page-state>`,
  setup() {
    const page = usePage(() => api.get(`/meals/menus/${route.params.id}`, null, { quiet: true }));
    const menu = Vue.computed(() => page.data);
    const slotId = Vue.ref(null);
    const qty = Vue.reactive({});
    const pickup = Vue.ref("dine_in");
    const now = Vue.ref(new Date());
    const closed = Vue.computed(() => Boolean(menu.value) && menuClosed(menu.value, now.value));
    const slotPast = (s) => new Date(s.end) <= now.value;
    const total = Vue.computed(() => (menu.value?.dishes || []).reduce((sum, d) => sum + (qty[d.id] || 0) * d.price_fen, 0));
    const ready = Vue.computed(() => !closed.value && slotId.value && Object.values(qty).some((n) => n > 0));
    const selectedFull = Vue.computed(() => menu.value?.slots.find((s) => s.id === slotId.value)?.available === 0);
    // One order = one key: a double tap or a retry after a lost reply places it once.
    const order = useAction((key, body) => api.post("/meals/orders", body, { key, quiet: true }), { quiet: true });
    function change(dish, delta) {
      const next = Math.max(0, Math.min(5, (qty[dish.id] || 0) + delta));
      if (next === 5 && delta > 0 && qty[dish.id] === 5) showToast("每道菜最多 5 份");
      qty[dish.id] = next;
    }
    async function submit(waitlist) {
      now.value = new Date();
      if (closed.value) return;
      const items = Object.entries(qty).filter(([, n]) => n > 0).map(([id, n]) => ({ dish_id: Number(id), qty: n }));
      const placed = await order.run({ menu_id: menu.value.id, slot_id: slotId.value, items, pickup: pickup.value, waitlist });
      if (placed) {
        showToast(placed.status === "waitlisted" ? `已加入候补，第 ${placed.position} 位` : "预订成功", "success");
        replace(`/meals/order/${placed.id}?new=1`);
        return;
      }
      const err = order.error;
      showError(err);
      if (err?.code === "slot_full" || err?.code === "sold_out" || err?.code === "too_late") await page.refresh();
      if (err?.code === "slot_full" && !waitlist) offerWaitlist(err);
    }
    async function offerWaitlist(err) {
      const others = (err.details.alternatives || []).map((s) => `${hhmm(s.start)}–${hhmm(s.end)}`);
      const message = `${err.message}。${others.length ? "尚有空位：" + others.slice(0, 3).join("、") + "；" : ""}是否加入该时段候补？`;
      const ok = await vant.showConfirmDialog({ title: "时段已满", message, confirmButtonText: "加入候补", cancelButtonText: "换个时段" }).then(() => true, () => false);
      if (ok) await submit(true);
    }
    return { page, menu, slotId, qty, pickup, order, total, ready, selectedFull, closed, slotPast, change, submit, hhmm, yuan, dayLabel, deadlineText, MEAL_NAMES };
  },
};
