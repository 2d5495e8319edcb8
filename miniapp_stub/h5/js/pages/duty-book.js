// Book a counter slot of an appointment service (a day, then a slot with what is left), or
// hand in an errand with its documents. One submission = one Idempotency-Key.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dayLabel, hhmm, localDate, span } from "../format.js";
import { usePage, useAction } from "../ui.js";
import { route, replace } from "../router.js";
import { DocumentPicker, MODES, useDutyStyles } from "./duty-common.js";

const DAYS = 14;

export default {
  components: { DocumentPicker },
  template: `
    <div>
      <page-state :page="page" empty="该业务不存在或已停办" :pull="false">
        <template v-if="service">
          <div class="duty-card">
            <h3>{{ service.name }} <van-tag :type="MODES[service.mode][1]">{{ MODES[service.mode][0] }}</van-tag></h3>
            <p>所需材料：{{ service.documents.join("、") || "无" }}</p>
            <p>每人约 {{ service.minutes }} 分钟<span v-if="service.fee_note"> · 费用：{{ service.fee_note }}</span></p>
          </div>
          <template v-if="service.mode === 'appointment'">
            <div class="section-title">选择日期</div>
            <div class="duty-days">
              <button v-for="d in days" :key="d" type="button" :class="['chip', { active: day === d }]"
                      :data-testid="'duty-day-' + d" @click="pickDay(d)">{{ dayLabel(d) }}</button>
            </div>
            <div class="section-title">选择时段（{{ dayLabel(day) }}）</div>
            <van-loading v-if="slots.loading" class="gap" vertical>加载时段…</van-loading>
            <div v-else-if="slots.failed" class="hint">时段加载失败 <van-button class="tap" size="small" data-testid="duty-slots-retry" @click="loadSlots">重试</van-button></div>
            <div v-else-if="!slots.items.length" class="hint" data-testid="duty-slots-empty">该日不开放预约，请选择其他日期</div>
            <div v-else class="duty-slots">
              <van-button v-for="s in slots.items" :key="s.id" :data-testid="'slot-' + s.id"
                          :type="slotId === s.id ? 'primary' : 'default'" :disabled="!bookable(s)" @click="slotId = s.id">
                {{ hhmm(s.start) }}–{{ hhmm(s.end) }}
                <small>{{ slotNote(s) }}</small>
              </van-button>
            </div>
            <field-error :action="save" name="slot_id" />
          </template>
          <div class="section-title">{{ service.mode === 'errand' ? '上传材料（必填）' : '材料（可选，可到场出示）' }}</div>
          <document-picker v-model="docs" testid="duty-doc" />
          <field-error :action="save" name="document_ids" />
          <van-cell-group inset class="gap">
            <van-field v-model.trim="note" label="备注" type="textarea" rows="2" autosize maxlength="256"
                       :placeholder="service.mode === 'errand' ? '如 车次/航班、出行日期' : '需要说明的情况'"
                       data-testid="duty-note" :error-message="save.fields.note" />
          </van-cell-group>
          <div v-if="reason" class="duty-reason" data-testid="duty-submit-reason">{{ reason }}</div>
          <div class="actions">
            <van-button type="primary" block round :loading="save.busy" :disabled="Boolean(reason)" data-testid="duty-submit" @click="submit">
              {{ service.mode === 'errand' ? '提交代办' : '确认预约' }}
            </van-button>
          </div>
        </template>
      </page-state>
    </div>`,
  setup() {
    useDutyStyles();
    const id = Number(route.params.id);
    const page = usePage(async () => {
      const list = await api.get("/duty/services", undefined, { quiet: true });
      return list.items.find((s) => s.id === id) || null;
    });
    const service = Vue.computed(() => page.data);
    const days = Array.from({ length: DAYS }, (_, i) => localDate(i));
    const day = Vue.ref(route.query.date || days[0]);
    const slots = Vue.reactive({ items: [], loading: false, failed: false });
    const slotId = Vue.ref(null);
    const docs = Vue.ref([]);
    const note = Vue.ref("");
    async function loadSlots() {
      slots.loading = true;
      slots.failed = false;
      try {
        slots.items = (await api.get(`/duty/services/${id}/slots`, { date: day.value }, { quiet: true })).items;
      } catch (err) {
        slots.failed = true;
      } finally {
        slots.loading = false;
      }
    }
    function pickDay(d) {
      day.value = d;
      slotId.value = null;
      loadSlots();
    }
    Vue.watch(service, (s) => { if (s?.mode === "appointment") loadSlots(); });
    const started = (s) => new Date(s.start).getTime() <= Date.now();
    const bookable = (s) => s.available > 0 && !started(s);
    const slotNote = (s) => (started(s) ? "已开始" : s.available > 0 ? `余 ${s.available}` : "满");
    const reason = Vue.computed(() => {
      if (!service.value) return "";
      if (service.value.mode === "appointment" && !slotId.value) return "请选择一个可预约的时段";
      if (service.value.mode === "errand" && !docs.value.length) return "代办业务请先上传所需材料";
      return "";
    });
    const save = useAction((key, body) => api.post("/duty/appointments", body, { key, quiet: true }), {
      done(made) {
        showToast(made.slot ? `已预约 ${span(made.slot.start, made.slot.end)}` : "代办已提交", "success");
        replace(`/duty/appointments/${made.id}`);
      },
      // A slot that filled up meanwhile: show what is left now.
    });
    async function submit() {
      const body = { service_id: id, document_ids: docs.value.map((d) => d.id), note: note.value };
      if (service.value.mode === "appointment") body.slot_id = slotId.value;
      const made = await save.run(body);
      if (!made && save.error?.code === "slot_full") loadSlots();
    }
    return { page, service, days, day, slots, slotId, docs, note, save, reason, submit, pickDay, loadSlots, bookable, slotNote, dayLabel, hhmm, MODES };
  },
};
