// The canteen till: today's prep counts per dish and slot, and scan-to-redeem.
import { Vue } from "../vendor.js";
import { api, dayLabel, hhmm, localDate } from "../api.js";
import { route, replace } from "../router.js";
import { wx } from "../wx.js";
import { MEAL_NAMES } from "./meals.js";

export default {
  template: `
    <div class="till">
      <van-button type="primary" block class="scan-big" data-testid="redeem-scan" @click="scan">扫码核销取餐码</van-button>
      <div v-if="result" :class="['result-card', result.ok ? 'valid' : 'invalid']" data-testid="redeem-result">
        <div class="result-mark">{{ result.ok ? "✓" : "✕" }}</div>
        <div class="result-title">{{ result.title }}</div>
        <div class="result-detail">{{ result.detail }}</div>
      </div>
      <van-button block plain class="scan-big" icon="orders-o" data-testid="nav-canteen-orders"
                  :url="'#/canteen/orders?date=' + date + (menuId ? '&menu=' + menuId : '')">订餐名单 · 未取餐 · 备餐单</van-button>
      <div class="day-switch">
        <van-button size="small" plain icon="arrow-left" @click="shift(-1)" />
        <span data-testid="till-date">{{ dayLabel(date) }}</span>
        <van-button size="small" plain icon="arrow" @click="shift(1)" />
      </div>
      <van-empty v-if="loaded && !menus.length" description="当天没有菜单" />
      <van-tabs v-if="menus.length > 1" v-model:active="menuId" shrink>
        <van-tab v-for="m in menus" :key="m.id" :name="m.id" :title="MEAL_NAMES[m.meal] + '·' + m.canteen" />
      </van-tabs>
      <template v-if="summary">
        <div class="stats">
          <div class="stat"><b data-testid="till-confirmed">{{ summary.confirmed }}</b><span>待取餐</span></div>
          <div class="stat"><b data-testid="till-served">{{ summary.served }}</b><span>已取餐</span></div>
          <div class="stat"><b>{{ summary.waitlisted }}</b><span>候补</span></div>
        </div>
        <div class="section-title">备餐量（按菜品）</div>
        <van-cell-group inset>
          <van-cell v-for="d in summary.dishes" :key="d.dish_id" :title="d.name" :data-testid="'prep-dish-' + d.dish_id">
            <template #value><b class="big-n">{{ d.ordered }}</b> 份</template>
          </van-cell>
        </van-cell-group>
        <div class="section-title">取餐时段</div>
        <van-cell-group inset>
          <van-cell v-for="s in summary.slots" :key="s.slot_id" :title="hhmm(s.start) + '–' + hhmm(s.end)" :data-testid="'prep-slot-' + s.slot_id">
            <template #value>已取 {{ s.served }} / 预订 {{ s.booked }} / 容量 {{ s.capacity }}</template>
            <template #label><van-progress :percentage="s.capacity ? Math.round(100 * s.booked / s.capacity) : 0" :show-pivot="false" /></template>
          </van-cell>
        </van-cell-group>
      </template>
    </div>`,
  setup() {
    const date = Vue.ref(route.query.date || localDate(0));
    const menus = Vue.ref([]);
    const menuId = Vue.ref(Number(route.query.menu) || null);
    const summary = Vue.ref(null);
    const loaded = Vue.ref(false);
    const result = Vue.ref(null);
    async function loadMenus() {
      menus.value = (await api.get("/meals/menus", { date: date.value })).items;
      loaded.value = true;
      if (!menus.value.some((m) => m.id === menuId.value)) menuId.value = menus.value[0]?.id ?? null;
      await loadSummary();
    }
    async function loadSummary() {
      summary.value = menuId.value ? await api.get(`/canteen/menus/${menuId.value}/summary`) : null;
    }
    Vue.watch(menuId, loadSummary);
    function shift(days) {
      const next = new Date(`${date.value}T12:00:00+08:00`).getTime() + days * 86_400_000;
      date.value = new Date(next).toISOString().slice(0, 10);
      replace(`/canteen?date=${date.value}`);
    }
    async function scan() {
      let scanned;
      try {
        scanned = await wx.scanCode();
      } catch (cancelled) {
        return;
      }
      try {
        const order = await api.post("/canteen/redeem", { code: scanned.result }, { quiet: true });
        result.value = {
          ok: true,
          title: "核销成功",
          detail: `${order.items.map((i) => i.name + " ×" + i.qty).join("，")} · ${hhmm(order.slot.start)}–${hhmm(order.slot.end)} · ${order.pickup === "takeaway" ? "打包" : "堂食"}`,
        };
        await loadSummary();
      } catch (err) {
        result.value = { ok: false, title: "不能取餐", detail: err.message };
      }
    }
    Vue.onMounted(loadMenus);
    return { date, menus, menuId, summary, loaded, result, shift, scan, hhmm, dayLabel, MEAL_NAMES };
  },
};
