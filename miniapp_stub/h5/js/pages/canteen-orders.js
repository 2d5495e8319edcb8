// The till's list of one menu's orders by pickup slot: who (name masked), which dishes, which
// status — and, once a slot has ended, its no-shows (marked by the minute job). A table at the
// counter's 1280×800; the printable prep sheet is one tap away.
import { Vue } from "../vendor.js";
import { api } from "../api.js";
import { dayLabel, hhmm, localDate, span, statusText, statusType } from "../format.js";
import { usePage } from "../ui.js";
import { go, route } from "../router.js";
import { MEAL_NAMES } from "./meals.js";

const FILTERS = [
  ["", "全部"], ["confirmed", "待取餐"], ["served", "已取餐"], ["no_show", "未取餐"], ["waitlisted", "候补"], ["cancelled", "已取消"],
];

export default {
  template: `
    <div class="till-orders">
      <div class="day-bar no-print">
        <van-button plain icon="arrow-left" data-testid="orders-prev-day" aria-label="前一天" @click="shift(-1)" />
        <b data-testid="orders-date">{{ dayLabel(date) }}</b>
        <van-button plain icon="arrow" data-testid="orders-next-day" aria-label="后一天" @click="shift(1)" />
      </div>
      <page-state :page="page" empty="当天没有菜单">
        <van-tabs v-if="page.data.menus.length > 1" v-model:active="menuId" shrink @change="page.refresh()">
          <van-tab v-for="m in page.data.menus" :key="m.id" :name="m.id" :title="MEAL_NAMES[m.meal] + '·' + m.canteen" :title-class="'orders-menu-' + m.id" />
        </van-tabs>
        <div class="section-title">
          {{ menu ? MEAL_NAMES[menu.meal] + " · " + menu.canteen : "" }}
          <span class="muted">待取餐 {{ page.data.summary.confirmed }} · 已取餐 {{ page.data.summary.served }} · 未取餐 {{ page.data.summary.no_show }}</span>
        </div>
        <div class="filter-bar">
          <van-button :type="slotId === null ? 'primary' : 'default'" size="small" data-testid="orders-slot-all" @click="pickSlot(null)">全部时段</van-button>
          <van-button v-for="s in page.data.summary.slots" :key="s.slot_id" size="small" :type="slotId === s.slot_id ? 'primary' : 'default'"
                      :data-testid="'orders-slot-' + s.slot_id" @click="pickSlot(s.slot_id)">
            {{ hhmm(s.start) }}–{{ hhmm(s.end) }}（{{ s.booked }}）
          </van-button>
        </div>
        <div class="filter-bar">
          <van-button v-for="[code, label] in FILTERS" :key="code" size="small" plain :type="status === code ? 'primary' : 'default'"
                      :data-testid="'orders-status-' + (code || 'all')" @click="pickStatus(code)">{{ label }}</van-button>
          <van-button size="small" icon="description" data-testid="orders-prep" @click="go('/canteen/prep/' + menuId)">打印备餐单</van-button>
        </div>
        <p v-if="status === 'no_show'" class="hint">未取餐：取餐时段结束后仍未取餐的订单（系统每分钟标记一次）。</p>
        <van-empty v-if="!orders.length" description="没有符合条件的订单" data-testid="orders-none" />
        <div v-else class="desk-table-wrap">
          <table class="desk-table" data-testid="orders-table">
            <thead><tr><th>#</th><th>姓名</th><th>部门</th><th>菜品</th><th>取餐时段</th><th>方式</th><th>状态</th><th>取餐时间</th></tr></thead>
            <tbody>
              <tr v-for="(o, i) in orders" :key="o.id" :data-testid="'till-order-' + o.id">
                <td>{{ i + 1 }}</td>
                <td :data-testid="'till-order-name-' + o.id">{{ o.name_masked }}</td>
                <td>{{ o.department }}</td>
                <td class="wrap">{{ o.items.map((d) => d.name + " ×" + d.qty).join("，") }}</td>
                <td>{{ hhmm(o.slot.start) }}–{{ hhmm(o.slot.end) }}</td>
                <td>{{ o.pickup === "takeaway" ? "打包" : "堂食" }}</td>
                <td><van-tag :type="statusType('meals', o.status)" :data-testid="'till-order-status-' + o.id">{{ statusText("meals", o.status) }}</van-tag></td>
                <td>{{ o.served_at ? hhmm(o.served_at) : "—" }}</td>
              </tr>
            </tbody>
          </table>
        </div>
        <div v-if="cursor" class="actions"><van-button block plain :loading="more" data-testid="orders-more" @click="loadMore">加载更多</van-button></div>
      </page-state>
    </div>`,
  setup() {
    const date = Vue.ref(route.query.date || localDate(0));
    const menuId = Vue.ref(Number(route.query.menu) || null);
    const slotId = Vue.ref(Number(route.query.slot) || null);
    const status = Vue.ref(route.query.status || "");
    const orders = Vue.ref([]);
    const cursor = Vue.ref(null);
    const more = Vue.ref(false);

    function ordersOf(next) {
      return api.get(`/canteen/menus/${menuId.value}/orders`,
        { slot_id: slotId.value, status: status.value, limit: 100, cursor: next }, { quiet: true });
    }
    const page = usePage(async () => {
      const menus = (await api.get("/meals/menus", { date: date.value }, { quiet: true })).items;
      if (!menus.length) return null;
      if (!menus.some((m) => m.id === menuId.value)) menuId.value = menus[0].id;
      const [summary, first] = await Promise.all([
        api.get(`/canteen/menus/${menuId.value}/summary`, undefined, { quiet: true }), ordersOf(null),
      ]);
      if (!summary.slots.some((s) => s.slot_id === slotId.value)) slotId.value = null;
      orders.value = first.items;
      cursor.value = first.next_cursor;
      return { menus, summary };
    });
    const menu = Vue.computed(() => page.data?.menus.find((m) => m.id === menuId.value));
    async function loadMore() {
      more.value = true;
      try {
        const next = await ordersOf(cursor.value);
        orders.value = [...orders.value, ...next.items];
        cursor.value = next.next_cursor;
      } finally {
        more.value = false;
      }
    }
    function pickSlot(id) {
      slotId.value = id;
      page.refresh();
    }
    function pickStatus(code) {
      status.value = code;
      page.refresh();
    }
    function shift(days) {
      const next = new Date(`${date.value}T12:00:00+08:00`).getTime() + days * 86_400_000;
      date.value = new Date(next).toISOString().slice(0, 10);
      menuId.value = null;
      slotId.value = null;
      page.reload();
    }
    return {
      date, menuId, slotId, status, orders, cursor, more, page, menu, loadMore, pickSlot, pickStatus, shift, go,
      dayLabel, hhmm, span, statusText, statusType, FILTERS, MEAL_NAMES,
    };
  },
};
