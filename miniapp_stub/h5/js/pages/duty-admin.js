// The station's set-up (admin, 1280×800 too): the services (create, edit, stop) and the
// counter slots of a day (opening hours, slot length, counters per appointment service).
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dayLabel, hhmm, localDate } from "../format.js";
import { usePage, useAction } from "../ui.js";
import { go } from "../router.js";
import { MODES, useDutyStyles } from "./duty-common.js";

const blank = () => ({ id: null, name: "", description: "", documents: "", minutes: 15, fee_note: "", mode: "appointment", active: true });

export default {
  template: `
    <div class="desk">
      <div class="desk-wide toolbar">
        <van-button class="tap" size="small" round plain type="primary" data-testid="duty-admin-report" @click="go('/duty/report')">月报</van-button>
        <van-button class="tap" size="small" round plain type="primary" data-testid="duty-admin-desk" @click="go('/duty/desk')">窗口</van-button>
        <van-button class="tap" size="small" round type="primary" icon="plus" data-testid="duty-service-new" @click="edit(null)">新增业务</van-button>
      </div>
      <div>
        <div class="section-title">业务（含已停办）</div>
        <page-state :page="page" empty="还没有业务，点「新增业务」">
          <van-cell-group inset>
            <van-cell v-for="s in page.data.items" :key="s.id" is-link :data-testid="'duty-admin-service-' + s.id" @click="edit(s)">
              <template #title>{{ s.name }} <van-tag plain :type="MODES[s.mode][1]">{{ MODES[s.mode][0] }}</van-tag>
                <van-tag v-if="!s.active" type="default">已停办</van-tag></template>
              <template #label>约 {{ s.minutes }} 分钟 · 材料：{{ s.documents.join('、') || '无' }}<span v-if="s.fee_note"> · {{ s.fee_note }}</span></template>
            </van-cell>
          </van-cell-group>
        </page-state>
      </div>
      <div>
        <div class="section-title">设置某日开放时间与预约时段</div>
        <van-cell-group inset class="duty-form">
          <van-field v-model="slots.date" label="日期" type="date" data-testid="duty-slots-date" :error-message="openDay.fields.date" @change="loadDay" />
          <van-field v-model="slots.open_from" label="开门" type="time" data-testid="duty-slots-from" :error-message="openDay.fields.open_from" />
          <van-field v-model="slots.open_to" label="下班" type="time" data-testid="duty-slots-to" :error-message="openDay.fields.open_to" />
          <van-field v-model.number="slots.slot_minutes" label="时段（分钟）" type="digit" data-testid="duty-slots-minutes" :error-message="openDay.fields.slot_minutes" />
          <van-field v-for="s in bookable" :key="s.id" v-model.number="slots.counters[s.id]" :label="s.name + ' 窗口数'" type="digit"
                     placeholder="0 = 不开放" :data-testid="'duty-slots-counters-' + s.id" :error-message="openDay.fields['counters.' + s.id]" />
        </van-cell-group>
        <field-error :action="openDay" name="counters" />
        <div class="actions">
          <van-button type="primary" block round :loading="openDay.busy" :disabled="!countersChosen" data-testid="duty-slots-submit" @click="submitSlots">生成时段</van-button>
          <div v-if="!countersChosen" class="duty-reason">至少为一项预约业务填写窗口数</div>
        </div>
        <div class="section-title">{{ dayLabel(slots.date) }} 的时段</div>
        <div v-if="dayView.loading" class="hint">加载中…</div>
        <div v-else-if="!dayView.rows.length" class="hint" data-testid="duty-day-empty">该日尚未设置时段</div>
        <van-cell-group v-else inset>
          <van-cell v-for="r in dayView.rows" :key="r.service.id" :title="r.service.name"
                    :label="r.items.map((x) => hhmm(x.start) + '–' + hhmm(x.end) + ' ' + x.booked + '/' + x.capacity).join('，')" />
        </van-cell-group>
      </div>

      <van-popup v-model:show="form.show" round position="center" :style="{ width: 'min(92vw, 520px)' }" data-testid="duty-service-form">
        <div class="section-title">{{ form.id ? '修改业务' : '新增业务' }}</div>
        <van-cell-group inset class="duty-form">
          <van-field v-model.trim="form.name" label="名称" required maxlength="64" data-testid="duty-service-name" :error-message="save.fields.name" />
          <van-field label="方式" :error-message="save.fields.mode">
            <template #input>
              <select v-model="form.mode" class="select" data-testid="duty-service-mode">
                <option v-for="(m, key) in MODES" :key="key" :value="key">{{ m[0] }}</option>
              </select>
            </template>
          </van-field>
          <van-field v-model.number="form.minutes" label="每人分钟" type="digit" data-testid="duty-service-minutes" :error-message="save.fields.minutes" />
          <van-field v-model.trim="form.documents" label="所需材料" placeholder="用顿号或逗号分隔" data-testid="duty-service-documents" :error-message="save.fields.documents" />
          <van-field v-model.trim="form.fee_note" label="费用说明" maxlength="128" data-testid="duty-service-fee" :error-message="save.fields.fee_note" />
          <van-field v-model.trim="form.description" label="说明" type="textarea" rows="2" autosize maxlength="512" data-testid="duty-service-description" />
          <van-cell title="开放办理"><van-switch v-model="form.active" data-testid="duty-service-active" /></van-cell>
        </van-cell-group>
        <div class="actions">
          <van-button type="primary" block round :loading="save.busy" :disabled="!form.name" data-testid="duty-service-submit" @click="submitService">保存</van-button>
          <van-button block round @click="form.show = false">返回</van-button>
        </div>
      </van-popup>
    </div>`,
  setup() {
    useDutyStyles();
    const page = usePage(() => api.get("/admin/duty/services", undefined, { quiet: true }));
    const bookable = Vue.computed(() => (page.data?.items || []).filter((s) => s.mode === "appointment" && s.active));
    const slots = Vue.reactive({ date: localDate(1), open_from: "09:00", open_to: "17:00", slot_minutes: 30, counters: {} });
    const countersChosen = Vue.computed(() => Object.values(slots.counters).some((n) => Number(n) > 0));
    const dayView = Vue.reactive({ loading: false, rows: [] });
    async function loadDay() {
      dayView.loading = true;
      try {
        const rows = await Promise.all(bookable.value.map(async (service) => ({
          service, items: (await api.get(`/duty/services/${service.id}/slots`, { date: slots.date }, { quiet: true })).items,
        })));
        dayView.rows = rows.filter((r) => r.items.length);
      } catch (err) {
        dayView.rows = [];
      } finally {
        dayView.loading = false;
      }
    }
    Vue.watch(bookable, loadDay);
    const openDay = useAction((key, body) => api.post("/admin/duty/slots", body, { key, quiet: true }), {
      done(made) { showToast(`已生成 ${made.items.length} 个时段`, "success"); loadDay(); },
    });
    function submitSlots() {
      const counters = Object.fromEntries(Object.entries(slots.counters).filter(([, n]) => Number(n) > 0).map(([id, n]) => [id, Number(n)]));
      openDay.run({ date: slots.date, open_from: slots.open_from, open_to: slots.open_to, slot_minutes: Number(slots.slot_minutes), counters });
    }
    const form = Vue.reactive({ show: false, ...blank() });
    function edit(service) {
      const value = service ? { ...service, documents: service.documents.join("、") } : blank();
      Object.assign(form, { show: true, ...value });
      save.reset();
    }
    const save = useAction((key, id, body) => (id
      ? api.patch(`/admin/duty/services/${id}`, body, { quiet: true })
      : api.post("/admin/duty/services", body, { key, quiet: true })), {
      done() { form.show = false; showToast("已保存", "success"); page.refresh(); },
    });
    function submitService() {
      const documents = form.documents.split(/[、,，;；\n]/).map((d) => d.trim()).filter(Boolean);
      save.run(form.id, {
        name: form.name, description: form.description, documents, minutes: Number(form.minutes) || 15,
        fee_note: form.fee_note, mode: form.mode, active: form.active,
      });
    }
    return { page, bookable, slots, countersChosen, dayView, loadDay, openDay, submitSlots, form, edit, save, submitService, go, dayLabel, hhmm, MODES };
  },
};
