// The kitchen's prep sheet of one menu: portions per dish and bookings per pickup slot, laid out
// to print on paper (the print stylesheet hides the app's bars and buttons).
import { Vue } from "../vendor.js";
import { api } from "../api.js";
import { dateTime, dayLabel, hhmm } from "../format.js";
import { usePage } from "../ui.js";
import { route } from "../router.js";
import { MEAL_NAMES } from "./meals.js";

export default {
  template: `
    <div class="prep-sheet">
      <page-state :page="page" :pull="false">
        <div class="section-title">
          <b data-testid="prep-title">备餐单 · {{ dayLabel(page.data.date) }} {{ MEAL_NAMES[page.data.meal] }}</b>
          &nbsp; <span class="muted">打印于 {{ dateTime(printedAt) }}</span>
        </div>
        <div class="toolbar no-print">
          <van-button type="primary" icon="description" class="tap" data-testid="prep-print" @click="print">打印</van-button>
        </div>
        <div class="section-title">按菜品（份）</div>
        <div class="desk-table-wrap">
          <table class="desk-table" data-testid="prep-dishes">
            <thead><tr><th>菜品</th><th class="num">预订份数</th><th class="num">库存</th></tr></thead>
            <tbody>
              <tr v-for="d in page.data.dishes" :key="d.dish_id" :data-testid="'prep-row-dish-' + d.dish_id">
                <td class="wrap">{{ d.name }}</td><td class="num"><b>{{ d.ordered }}</b></td><td class="num">{{ d.stock }}</td>
              </tr>
            </tbody>
          </table>
        </div>
        <div class="section-title">按取餐时段</div>
        <div class="desk-table-wrap">
          <table class="desk-table" data-testid="prep-slots">
            <thead><tr><th>时段</th><th class="num">预订</th><th class="num">已取</th><th class="num">容量</th></tr></thead>
            <tbody>
              <tr v-for="s in page.data.slots" :key="s.slot_id" :data-testid="'prep-row-slot-' + s.slot_id">
                <td>{{ hhmm(s.start) }}–{{ hhmm(s.end) }}</td><td class="num"><b>{{ s.booked }}</b></td>
                <td class="num">{{ s.served }}</td><td class="num">{{ s.capacity }}</td>
              </tr>
            </tbody>
          </table>
        </div>
        <p class="hint">合计：占用名额 {{ page.data.ordered }} 份（待取餐 {{ page.data.confirmed }}，已取餐 {{ page.data.served }}，未取餐 {{ page.data.no_show }}）；候补 {{ page.data.waitlisted }}，已取消 {{ page.data.cancelled }}。</p>
      </page-state>
    </div>`,
  setup() {
    const printedAt = Vue.ref(new Date().toISOString());
    const page = usePage(async () => {
      const summary = await api.get(`/canteen/menus/${route.params.id}/summary`, undefined, { quiet: true });
      printedAt.value = new Date().toISOString();
      return summary;
    });
    return { page, printedAt, print: () => window.print(), dateTime, dayLabel, hhmm, MEAL_NAMES };
  },
};
