// Admin: the menus of a date range (withdrawn ones included, live stock and bookings),
// editing stock, slot capacity and the order deadline, withdrawing and restoring a menu,
// and publishing a new one.
import { Vue, vant } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dayLabel, dateTime, hhmm, isoAt, localDate, localDateOf, span, yuan } from "../format.js";
import { usePage, useAction } from "../ui.js";

const MEALS = { breakfast: "早餐", lunch: "午餐", dinner: "晚餐" };

function addMinutes(hm, minutes) {
  const [h, m] = hm.split(":").map(Number);
  const total = h * 60 + m + minutes;
  return `${String(Math.floor(total / 60)).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
}

const MenuNew = {
  template: `
    <div>
      <van-cell-group inset class="first">
        <van-field v-model="form.date" type="date" label="日期" data-testid="menu-date" :error-message="publish.fields.date" />
        <van-field label="餐次">
          <template #input>
            <van-radio-group v-model="form.meal" direction="horizontal">
              <van-radio name="breakfast">早餐</van-radio><van-radio name="lunch">午餐</van-radio><van-radio name="dinner">晚餐</van-radio>
            </van-radio-group>
          </template>
        </van-field>
        <van-field v-model.trim="form.canteen" label="食堂" data-testid="menu-canteen" />
        <van-field v-model="form.deadline" type="time" label="截止时间" data-testid="menu-deadline" :error-message="publish.fields.order_deadline" />
        <van-field label="每人限订">
          <template #input><van-stepper v-model="form.per_user_limit" min="1" max="10" integer /></template>
        </van-field>
      </van-cell-group>
      <div class="section-title">菜品（名称 价格元 份数，每行一道）</div>
      <van-cell-group inset>
        <van-field v-model="dishes" type="textarea" rows="4" autosize data-testid="menu-dishes" placeholder="红烧肉套餐 15 200" />
      </van-cell-group>
      <field-error :action="publish" name="dishes" />
      <div class="section-title">取餐时段</div>
      <van-cell-group inset>
        <van-field v-model="slots.first" type="time" label="首个时段" />
        <van-field label="每段分钟"><template #input><van-stepper v-model="slots.minutes" min="5" max="120" step="5" integer /></template></van-field>
        <van-field label="时段数"><template #input><van-stepper v-model="slots.count" min="1" max="48" integer /></template></van-field>
        <van-field label="每段容量"><template #input><van-stepper v-model="slots.capacity" min="1" max="5000" integer /></template></van-field>
      </van-cell-group>
      <div class="actions"><van-button type="primary" block round :loading="publish.busy" data-testid="menu-submit" @click="submit">发布菜单</van-button></div>
    </div>`,
  emits: ["created"],
  setup(props, { emit }) {
    const form = Vue.reactive({ date: localDate(1), meal: "lunch", canteen: "机关食堂", deadline: "10:00", per_user_limit: 1 });
    const dishes = Vue.ref("红烧肉套餐 15 200\n清蒸鲈鱼套餐 18 150\n素什锦套餐 12 200");
    const slots = Vue.reactive({ first: "11:30", minutes: 15, count: 6, capacity: 100 });
    async function submit() {
      const parsed = dishes.value.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
        const [name, price, stock] = line.split(/\s+/);
        return { name, price_fen: Math.round(Number(price) * 100), stock: Number(stock) };
      });
      const body = {
        date: form.date, meal: form.meal, canteen: form.canteen, order_deadline: isoAt(form.date, form.deadline),
        per_user_limit: Number(form.per_user_limit), dishes: parsed,
        slots: Array.from({ length: Number(slots.count) }, (_, i) => ({
          start: isoAt(form.date, addMinutes(slots.first, i * slots.minutes)),
          end: isoAt(form.date, addMinutes(slots.first, (i + 1) * slots.minutes)),
          capacity: Number(slots.capacity),
        })),
      };
      return publish.run(body);
    }
    // One publication = one key: a retried tap does not publish the menu twice.
    const publish = useAction((key, body) => api.post("/admin/meals/menus", body, { key, quiet: true }), {
      done(menu) {
        showToast(`菜单已发布（${menu.dishes.length} 道菜，${menu.slots.length} 个时段）`, "success");
        emit("created", menu);
      },
    });
    return { form, dishes, slots, submit, publish };
  },
};


const MenuEdit = {
  props: { menu: { type: Object, required: true } },
  emits: ["saved"],
  template: `
    <div class="admin-popup" data-testid="menu-edit">
      <div class="popup-title">{{ dayLabel(menu.date) }} {{ MEALS[menu.meal] }} · {{ menu.canteen }}</div>
      <van-cell-group inset>
        <van-field v-model="deadline" type="time" label="订餐截止" :disabled="closed" data-testid="menu-edit-deadline"
                   :error-message="save.fields.order_deadline" />
        <div v-if="closed" class="hint">订餐已于 {{ dateTime(menu.order_deadline) }} 截止，截止时间不能再改</div>
      </van-cell-group>
      <div class="section-title">菜品库存（不能低于已订份数）</div>
      <van-cell-group inset>
        <template v-for="d in menu.dishes" :key="d.id">
          <van-field v-model.number="stock[d.id]" type="digit" :label="d.name" :data-testid="'menu-edit-stock-' + d.id"
                     :error-message="rowErrors['dishes.' + d.id]">
            <template #extra><span class="muted">已订 {{ d.stock - d.remaining }}</span></template>
          </van-field>
        </template>
      </van-cell-group>
      <div class="section-title">取餐时段容量（不能低于已预订人数）</div>
      <van-cell-group inset>
        <van-field v-for="s in menu.slots" :key="s.id" v-model.number="capacity[s.id]" type="digit"
                   :label="hhmm(s.start) + '–' + hhmm(s.end)" :data-testid="'menu-edit-capacity-' + s.id"
                   :error-message="rowErrors['slots.' + s.id]">
          <template #extra><span class="muted">已订 {{ s.booked }}</span></template>
        </van-field>
      </van-cell-group>
      <field-error :action="save" name="body" />
      <div class="actions"><van-button type="primary" block round :loading="save.busy" :disabled="!changes()"
        data-testid="menu-edit-save" @click="save.run(changes())">保存</van-button></div>
    </div>`,
  setup(props, { emit }) {
    const menu = props.menu;
    const closed = new Date(menu.order_deadline) <= new Date();
    const deadline = Vue.ref(hhmm(menu.order_deadline));
    const stock = Vue.reactive(Object.fromEntries(menu.dishes.map((d) => [d.id, d.stock])));
    const capacity = Vue.reactive(Object.fromEntries(menu.slots.map((s) => [s.id, s.capacity])));
    const sent = Vue.ref({ dishes: [], slots: [] });
    function changes() {
      const body = {};
      const dishes = menu.dishes.filter((d) => Number(stock[d.id]) !== d.stock).map((d) => ({ id: d.id, stock: Number(stock[d.id]) }));
      const slots = menu.slots.filter((s) => Number(capacity[s.id]) !== s.capacity).map((s) => ({ id: s.id, capacity: Number(capacity[s.id]) }));
      if (dishes.length) body.dishes = dishes;
      if (slots.length) body.slots = slots;
      if (!closed && deadline.value && deadline.value !== hhmm(menu.order_deadline)) {
        body.order_deadline = isoAt(localDateOf(menu.order_deadline), deadline.value);
      }
      return Object.keys(body).length ? body : null;
    }
    const save = useAction((key, body) => {
      sent.value = { dishes: body.dishes || [], slots: body.slots || [] };
      return api.patch(`/admin/meals/menus/${menu.id}`, body, { quiet: true });
    }, {
      done(updated) {
        showToast("已保存", "success");
        emit("saved", updated);
      },
    });
    // The server names a row by its place in what was sent (dishes.0.stock): map it back to the row.
    const rowErrors = Vue.computed(() => {
      const out = {};
      for (const [field, reason] of Object.entries(save.fields)) {
        const found = /^(dishes|slots)\.(\d+)\./.exec(field);
        const row = found && sent.value[found[1]][Number(found[2])];
        if (row) out[`${found[1]}.${row.id}`] = reason;
      }
      return out;
    });
    return { MEALS, closed, deadline, stock, capacity, changes, rowErrors, save, dayLabel, dateTime, hhmm };
  },
};

export default {
  components: { MenuNew, MenuEdit },
  template: `
    <div class="admin">
      <div class="admin-bar first">
        <input v-model="range.from" type="date" aria-label="开始日期" data-testid="menus-from" @change="page.reload()" />
        <span>至</span>
        <input v-model="range.to" type="date" aria-label="结束日期" data-testid="menus-to" @change="page.reload()" />
        <van-button type="primary" plain icon="plus" data-testid="menus-new" @click="creating = !creating">{{ creating ? '收起' : '发布菜单' }}</van-button>
      </div>
      <menu-new v-if="creating" @created="created" />
      <page-state :page="page" empty="这段日期没有菜单">
        <table class="admin-table" data-testid="menus-table">
          <thead><tr><th>日期</th><th>餐次 · 食堂</th><th class="hide-narrow">订餐截止</th><th class="hide-narrow">菜品（余/总）</th><th>状态</th><th>操作</th></tr></thead>
          <tbody>
            <tr v-for="m in page.data.items" :key="m.id" :class="{ inactive: m.withdrawn }" :data-testid="'menu-row-' + m.id">
              <td>{{ dayLabel(m.date) }}</td>
              <td>{{ MEALS[m.meal] }} · {{ m.canteen }}</td>
              <td class="hide-narrow">{{ dateTime(m.order_deadline) }}</td>
              <td class="hide-narrow"><div v-for="d in m.dishes" :key="d.id">{{ d.name }} {{ yuan(d.price_fen) }} · {{ d.remaining }}/{{ d.stock }}</div></td>
              <td><van-tag :type="m.withdrawn ? 'default' : 'success'">{{ m.withdrawn ? '已撤回' : '供应中' }}</van-tag></td>
              <td>
                <van-button size="small" type="primary" plain :data-testid="'menu-edit-' + m.id" @click="editing = m">编辑</van-button>
                <van-button v-if="!m.withdrawn" size="small" type="danger" plain :loading="flip.busy && flipId === m.id"
                            :data-testid="'menu-withdraw-' + m.id" @click="withdraw(m, true)">撤回</van-button>
                <van-button v-else size="small" plain :loading="flip.busy && flipId === m.id"
                            :data-testid="'menu-restore-' + m.id" @click="withdraw(m, false)">恢复</van-button>
              </td>
            </tr>
          </tbody>
        </table>
      </page-state>
      <van-popup :show="!!editing" position="bottom" round closeable @update:show="(v) => { if (!v) editing = null; }">
        <menu-edit v-if="editing" :key="editing.id" :menu="editing" @saved="saved" />
      </van-popup>
    </div>`,
  setup() {
    const range = Vue.reactive({ from: localDate(0), to: localDate(6) });
    const creating = Vue.ref(false);
    const editing = Vue.ref(null);
    const flipId = Vue.ref(null);
    const page = usePage(() => api.get("/admin/meals/menus", { from: range.from, to: range.to }, { quiet: true }));
    const flip = useAction((key, id, withdrawn) => api.patch(`/admin/meals/menus/${id}`, { withdrawn }, { quiet: true }), {
      done(menu) {
        showToast(menu.withdrawn ? "菜单已撤回" : "菜单已恢复", "success");
        page.replace(menu);
      },
    });
    async function withdraw(menu, withdrawn) {
      try {
        await vant.showConfirmDialog({
          title: withdrawn ? "撤回这份菜单？" : "恢复这份菜单？",
          message: withdrawn ? "已下的订单照常保留；职工将看不到这份菜单，也不能再下单。" : "职工将重新看到这份菜单并可以下单。",
        });
      } catch {
        return;
      }
      flipId.value = menu.id;
      await flip.run(menu.id, withdrawn);
    }
    return {
      MEALS, range, creating, editing, flipId, page, flip, withdraw, dayLabel, dateTime, yuan, span,
      saved(menu) { page.replace(menu); editing.value = null; },
      created() { creating.value = false; page.refresh(); },
    };
  },
};
