// The inspector's walk-round: pick a team, tick its checklist, photograph what fails, submit.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { usePage, useAction } from "../ui.js";
import { go } from "../router.js";
import PhotoPicker from "./photo-picker.js";

export default {
  components: { PhotoPicker },
  template: `
    <div>
      <div class="section-title">检查对象</div>
      <page-state :page="page" :pull="false" empty="还没有物业服务团队，请管理员先添加">
        <div class="chips">
          <button v-for="t in page.data.items" :key="t.id" type="button" :data-testid="'inspect-team-' + t.id" :aria-pressed="team && team.id === t.id"
                  :class="['chip', { active: team && team.id === t.id }]" @click="pick(t)">{{ t.name }}</button>
        </div>
      </page-state>
      <template v-if="team">
        <van-cell-group inset class="gap">
          <van-field v-model.trim="location" label="检查地点" required placeholder="如 A座3楼 东侧卫生间" data-testid="inspect-location"
                     :error-message="save.fields.location" />
        </van-cell-group>
        <div class="section-title">{{ team.service_label }}检查清单（点“不合格”扣分）</div>
        <van-cell-group inset>
          <div v-for="s in standards" :key="s.id" class="check-item">
            <div class="check-head">
              <span class="check-text">{{ s.code }} {{ s.text }}<small>（{{ s.points }}分）</small></span>
              <button type="button" :data-testid="'inspect-item-' + s.id + '-fail'"
                      :class="['chip', 'small', { bad: failed[s.id] }]" @click="failed[s.id] = !failed[s.id]">
                {{ failed[s.id] ? "不合格" : "合格" }}</button>
            </div>
            <template v-if="failed[s.id]">
              <van-field v-model.trim="notes[s.id]" placeholder="问题说明" :data-testid="'inspect-item-' + s.id + '-note'" />
              <photo-picker v-model="photos[s.id]" :testid="'inspect-photo-' + s.id" />
            </template>
          </div>
        </van-cell-group>
        <div class="actions">
          <div class="muted">本次扣分：<b data-testid="inspect-deduction">{{ deduction }}</b></div>
          <field-error :action="save" name="results" />
          <van-button type="primary" block round :loading="save.busy" :disabled="!location" data-testid="inspect-submit" @click="submit">提交检查</van-button>
        </div>
      </template>
      <van-cell-group v-if="result" inset class="gap" data-testid="inspect-result">
        <van-cell title="已提交检查" :label="result.team.name + ' · ' + result.location" :value="'扣 ' + result.deducted + ' 分'" />
      </van-cell-group>
      <div class="actions"><van-button plain block round data-testid="nav-rectifications-list" @click="go('/assessment/rectifications')">整改单</van-button></div>
    </div>`,
  setup() {
    const page = usePage(() => api.get("/assessment/teams", null, { quiet: true }));
    const standards = Vue.ref([]), team = Vue.ref(null), result = Vue.ref(null);
    const location = Vue.ref("");
    const failed = Vue.reactive({}), notes = Vue.reactive({}), photos = Vue.reactive({});
    const deduction = Vue.computed(() => standards.value.filter((s) => failed[s.id]).reduce((n, s) => n + s.points, 0));
    async function pick(t) {
      team.value = t;
      standards.value = (await api.get("/assessment/standards", { service: t.service })).items;
      standards.value.forEach((s) => { failed[s.id] = false; notes[s.id] = ""; photos[s.id] = []; });
    }
    // One inspection = one key: a double tap or a retry records it (and its deductions) once.
    const save = useAction((key, body) => api.post("/assessment/inspections", body, { key, quiet: true }), {
      done(made) {
        result.value = made;
        showToast(made.deducted ? `已提交，扣 ${made.deducted} 分，已通知整改` : "已提交，全部合格", "success");
        team.value = null;
        location.value = "";
      },
    });
    function submit() {
      return save.run({
        team_id: team.value.id,
        location: location.value,
        results: standards.value.map((s) => ({
          standard_id: s.id, passed: !failed[s.id], note: failed[s.id] ? notes[s.id] : "",
          photo_ids: failed[s.id] ? photos[s.id].map((p) => p.id) : [],
        })),
      });
    }
    return { page, standards, team, result, location, save, failed, notes, photos, deduction, pick, submit, go };
  },
};
