// Admin: car-wash card types (inactive ones included; edits change only future sales),
// the bay's slots of a date (set once per date), and the monthly report with its workbook.
import { Vue, vant } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dayLabel, hhmm, localDate, localMonth, yuan } from "../format.js";
import { usePage, useAction } from "../ui.js";

const FIELDS = ["name", "washes", "price_fen", "valid_days", "per_user_limit"];

const CardTypeForm = {
  props: { type: { type: Object, default: null } },
  emits: ["saved"],
  template: `
    <div :class="type ? 'admin-popup' : ''" :data-testid="type ? 'card-type-edit' : 'card-type-new'">
      <div v-if="type" class="popup-title">修改洗车卡 · {{ type.name }}</div>
      <van-cell-group inset>
        <van-field v-model.trim="form.name" label="名称" required data-testid="card-type-name" :error-message="save.fields.name" />
        <van-field v-model.number="form.washes" type="digit" label="次数" :error-message="save.fields.washes" />
        <van-field v-model="form.price" type="number" label="价格（元）" data-testid="card-type-price" :error-message="save.fields.price_fen" />
        <van-field v-model.number="form.valid_days" type="digit" label="有效天数" :error-message="save.fields.valid_days" />
        <van-field v-model.number="form.per_user_limit" type="digit" label="每人限购" :error-message="save.fields.per_user_limit" />
      </van-cell-group>
      <div class="hint">修改只影响此后的购买：已售出的卡次数、金额、有效期不变。</div>
      <div class="actions"><van-button type="primary" block round :loading="save.busy" :disabled="!form.name || (type && !changes())"
        data-testid="card-type-submit" @click="save.run(type ? changes() : body())">{{ type ? '保存' : '新增' }}</van-button></div>
    </div>`,
  setup(props, { emit }) {
    const start = props.type || { name: "", washes: 10, price_fen: 30000, valid_days: 365, per_user_limit: 1 };
    const form = Vue.reactive({ ...Object.fromEntries(FIELDS.map((f) => [f, start[f]])), price: (start.price_fen / 100).toFixed(2) });
    function body() {
      return {
        name: form.name, washes: Number(form.washes), price_fen: Math.round(Number(form.price) * 100),
        valid_days: Number(form.valid_days), per_user_limit: Number(form.per_user_limit),
      };
    }
    function changes() {
      const now = body();
      const diff = Object.fromEntries(FIELDS.filter((f) => now[f] !== props.type[f]).map((f) => [f, now[f]]));
      return Object.keys(diff).length ? diff : null;
    }
    const save = useAction(
      (key, payload) => (props.type
        ? api.patch(`/admin/carwash/card-types/${props.type.id}`, payload, { quiet: true })
        : api.post("/admin/carwash/card-types", payload, { key, quiet: true })),
      { done(saved) { showToast(props.type ? "已保存" : "已新增", "success"); emit("saved", saved); } },
    );
    return { form, save, changes, body };
  },
};

export default {
  components: { CardTypeForm },
  template: `
    <div class="admin">
      <van-tabs v-model:active="tab" shrink>
        <van-tab name="types" title="洗车卡类型">
          <div class="admin-bar">
            <van-button type="primary" plain icon="plus" data-testid="card-types-new" @click="creating = !creating">{{ creating ? '收起' : '新增卡类型' }}</van-button>
          </div>
          <card-type-form v-if="creating" @saved="created" />
          <page-state :page="types" empty="还没有洗车卡类型">
            <table class="admin-table" data-testid="card-types-table">
              <thead><tr><th>名称</th><th>次数</th><th>价格</th><th class="hide-narrow">有效期</th><th class="hide-narrow">每人限购</th><th>状态</th><th>操作</th></tr></thead>
              <tbody>
                <tr v-for="t in types.data.items" :key="t.id" :class="{ inactive: !t.active }" :data-testid="'card-type-' + t.id">
                  <td>{{ t.name }}</td><td>{{ t.washes }}</td><td :data-testid="'card-type-price-' + t.id">{{ yuan(t.price_fen) }}</td>
                  <td class="hide-narrow">{{ t.valid_days }}天</td><td class="hide-narrow">{{ t.per_user_limit }}</td>
                  <td><van-tag :type="t.active ? 'success' : 'default'">{{ t.active ? '在售' : '停售' }}</van-tag></td>
                  <td>
                    <van-button size="small" plain type="primary" :data-testid="'card-type-edit-' + t.id" @click="editing = t">编辑</van-button>
                    <van-button size="small" plain :type="t.active ? 'danger' : 'primary'" :loading="flip.busy && flipId === t.id"
                                :data-testid="'card-type-active-' + t.id" @click="toggle(t)">{{ t.active ? '停售' : '恢复' }}</van-button>
                  </td>
                </tr>
              </tbody>
            </table>
          </page-state>
        </van-tab>
        <van-tab name="slots" title="工位时段">
          <div class="admin-bar">
            <input v-model="day" type="date" aria-label="日期" data-testid="wash-slots-date" @change="changeDay" />
            <span class="muted">{{ dayLabel(day) }}</span>
          </div>
          <page-state :page="slots" :pull="false" empty="这一天还没有设置洗车时段">
            <table class="admin-table" data-testid="wash-slots-table">
              <thead><tr><th>时段</th><th>工位</th><th>已预约</th><th>余量</th></tr></thead>
              <tbody><tr v-for="s in slots.data.items" :key="s.id"><td>{{ hhmm(s.start) }}–{{ hhmm(s.end) }}</td><td>{{ s.capacity }}</td><td>{{ s.booked }}</td><td>{{ s.available }}</td></tr></tbody>
            </table>
          </page-state>
          <template v-if="slots.state === 'empty'">
            <div class="section-title">设置 {{ dayLabel(day) }} 的时段（每个日期只能设置一次）</div>
            <van-cell-group inset data-testid="wash-slots-new">
              <van-field v-model="slotForm.open_from" type="time" label="开始" :error-message="define.fields.open_from" />
              <van-field v-model="slotForm.open_to" type="time" label="结束" :error-message="define.fields.open_to" />
              <van-field v-model.number="slotForm.slot_minutes" type="digit" label="每段分钟" :error-message="define.fields.slot_minutes" />
              <van-field v-model.number="slotForm.bays" type="digit" label="工位数" :error-message="define.fields.bays" />
            </van-cell-group>
            <div class="actions"><van-button type="primary" block round :loading="define.busy" data-testid="wash-slots-submit"
              @click="define.run({ date: day, ...slotForm, slot_minutes: Number(slotForm.slot_minutes), bays: Number(slotForm.bays) })">设置时段</van-button></div>
          </template>
        </van-tab>
        <van-tab name="report" title="月报">
          <div class="admin-bar">
            <input v-model="month" type="month" aria-label="月份" data-testid="wash-report-month" @change="report.reload()" />
            <van-button type="primary" plain :loading="xlsx.busy" data-testid="wash-report-xlsx" @click="xlsx.run(month)">导出 Excel</van-button>
          </div>
          <page-state :page="report" :pull="false">
            <van-cell-group inset data-testid="wash-report">
              <van-cell title="售卡张数" :value="report.data.cards_sold" />
              <van-cell title="售卡金额" :value="yuan(report.data.revenue_fen)" />
              <van-cell title="退款金额" :value="yuan(report.data.refunded_fen)" />
              <van-cell title="洗车次数" :value="report.data.washes" />
            </van-cell-group>
            <table v-if="report.data.by_day.length" class="admin-table">
              <thead><tr><th>日期</th><th>洗车次数</th></tr></thead>
              <tbody><tr v-for="d in report.data.by_day" :key="d.date"><td>{{ dayLabel(d.date) }}</td><td>{{ d.washes }}</td></tr></tbody>
            </table>
          </page-state>
        </van-tab>
      </van-tabs>
      <van-popup :show="!!editing" position="bottom" round closeable @update:show="(v) => { if (!v) editing = null; }">
        <card-type-form v-if="editing" :key="editing.id" :type="editing" @saved="saved" />
      </van-popup>
    </div>`,
  setup() {
    const tab = Vue.ref("types");
    const creating = Vue.ref(false);
    const editing = Vue.ref(null);
    const flipId = Vue.ref(null);
    const day = Vue.ref(localDate(1));
    const month = Vue.ref(localMonth(0));
    const types = usePage(() => api.get("/admin/carwash/card-types", undefined, { quiet: true }));
    const slots = usePage(() => api.get("/carwash/slots", { date: day.value }, { quiet: true }));
    const report = usePage(() => api.get("/admin/carwash/report", { month: month.value }, { quiet: true }), { isEmpty: () => false });
    const slotForm = Vue.reactive({ open_from: "08:00", open_to: "18:00", slot_minutes: 30, bays: 2 });
    const flip = useAction((key, id, active) => api.patch(`/admin/carwash/card-types/${id}`, { active }, { quiet: true }), {
      done(type) { showToast(type.active ? "已恢复销售" : "已停售", "success"); types.replace(type); },
    });
    async function toggle(type) {
      try {
        await vant.showConfirmDialog({
          title: type.active ? `停售${type.name}？` : `恢复销售${type.name}？`,
          message: type.active ? "停售后职工不能再购买，已售出的卡照常使用。" : "恢复后职工可以购买。",
        });
      } catch {
        return;
      }
      flipId.value = type.id;
      await flip.run(type.id, !type.active);
    }
    const define = useAction((key, body) => api.post("/admin/carwash/slots", body, { key, quiet: true }), {
      done() { showToast("时段已设置", "success"); slots.reload(); },
    });
    const xlsx = useAction((key, m) => api.download(`/admin/carwash/report?month=${m}&format=xlsx`, `洗车月报-${m}.xlsx`));
    return {
      tab, creating, editing, flipId, day, month, types, slots, report, slotForm, flip, toggle, define, xlsx,
      yuan, hhmm, dayLabel,
      changeDay() { define.reset(); slots.reload(); },
      saved(type) { types.replace(type); editing.value = null; },
      created() { creating.value = false; types.refresh(); },
    };
  },
};
