// The canteen till: today's prep counts per dish and slot, and scan-to-redeem.
import { Vue } from "../vendor.js";
import { api, dayLabel, hhmm, localDate } from "../api.js";
import { route, replace } from "../router.js";
import { wx } from "../wx.js";
import { MEAL_NAMES } from "./meals.js";
import { useVerdict, VerdictPending } from "../verdict.js";

const CANTEEN_KEY = "qe.till.canteen";

export default {
  components: { VerdictPending },
  template: `
    <div class="till">
      <van-cell-group inset class="first">
        <van-field v-model.trim="canteen" label="本台食堂" placeholder="不填则不限食堂" data-testid="till-canteen" @change="saveCanteen" />
        <van-field v-model.trim="code" label="取餐码" placeholder="扫码或输入取餐码" data-testid="till-code" clearable @keyup.enter="submit" />
      </van-cell-group>
      <div class="scan-row">
        <van-button type="primary" class="scan-big" data-testid="redeem-scan" :disabled="verdict.busy" @click="scan">扫码核销取餐码</van-button>
        <van-button plain type="primary" class="scan-big" data-testid="till-submit" :loading="verdict.busy"
                    :disabled="!code || verdict.busy" @click="submit">核销</van-button>
      </div>
      <verdict-pending :verdict="verdict" testid="till-result" />
      <div v-if="verdict.state === 'served'" class="result-card valid" data-testid="till-result" data-state="served" role="status">
        <div class="result-mark">✓</div>
        <div class="result-title">核销成功</div>
        <div class="result-detail" data-testid="till-served-day">{{ dayLabel(verdict.data.date || verdict.data.slot.start) }}<template v-if="verdict.data.meal"> {{ MEAL_NAMES[verdict.data.meal] }} · {{ verdict.data.canteen }}</template></div>
        <div class="result-detail">{{ verdict.data.items.map((i) => i.name + " ×" + i.qty).join("，") }} · {{ hhmm(verdict.data.slot.start) }}–{{ hhmm(verdict.data.slot.end) }} · {{ verdict.data.pickup === "takeaway" ? "打包" : "堂食" }}</div>
      </div>
      <div v-if="verdict.state === 'refused'" :class="['result-card', 'invalid', { 'wrong-day': verdict.error.code === 'wrong_day' }]"
           data-testid="till-result" data-state="refused" :data-code="verdict.error.code" role="alert">
        <div class="result-mark">✕</div>
        <div class="result-title">{{ verdict.error.code === "wrong_day" ? "非今日订单" : "不能取餐" }}</div>
        <div v-if="verdict.error.code === 'wrong_day'" class="result-detail" data-testid="till-order-date">订单日期：{{ dayLabel(verdict.error.details.date) }}（{{ verdict.error.details.date }}）</div>
        <div class="result-detail">{{ verdict.error.message }}</div>
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
    const canteen = Vue.ref(localStorage.getItem(CANTEEN_KEY) || "");
    const code = Vue.ref("");
    const verdict = useVerdict(
      (key, pickup, where) => api.post("/canteen/redeem", { code: pickup, canteen: where || undefined }, { key, quiet: true }),
      { judge: () => "served" },
    );
    async function submit() {
      if (!code.value) return;
      const order = await verdict.run(code.value, canteen.value);
      if (order) {
        code.value = "";
        await loadSummary().catch(() => {});
      }
    }
    async function scan() {
      verdict.clear(); // a new scan starts: the last verdict leaves the screen at once
      let scanned;
      try {
        scanned = await wx.scanCode();
      } catch (cancelled) {
        return;
      }
      code.value = scanned.result;
      await submit();
    }
    Vue.onMounted(loadMenus);
    return { date, menus, menuId, summary, loaded, canteen, code, verdict, submit, shift, scan, hhmm, dayLabel, MEAL_NAMES, saveCanteen: () => localStorage.setItem(CANTEEN_KEY, canteen.value) };
  },
};
