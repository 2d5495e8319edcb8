// Admin: the assessment's reference data and inputs: contracted teams (add, edit), the
// standards checklists (add in bulk, edit: new points count for later inspections only),
// the monthly surveys (publish, list with how many answered), the attendance CSV import,
// and a way to the score board and its Excel export.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dateTime, isoAt, localDate, localMonth } from "../format.js";
import { go, route } from "../router.js";
import { usePage, useAction } from "../ui.js";

export const SERVICES = {
  security: "安保", conference: "会务", catering: "餐饮", cleaning: "保洁",
  greening: "绿化", facilities: "设施设备", duty_station: "勤务站",
};

function contactsOf(text) {
  return String(text).split(/[、,，\s]+/).map((c) => c.trim()).filter(Boolean);
}

const TeamForm = {
  props: { team: { type: Object, default: null } },
  emits: ["saved"],
  template: `
    <div :class="team ? 'admin-popup' : ''" :data-testid="team ? 'team-edit' : 'team-new'">
      <div v-if="team" class="popup-title">修改服务团队 · {{ team.name }}（{{ team.service_label }}）</div>
      <van-cell-group inset>
        <van-field v-model.trim="form.name" label="名称" required data-testid="team-name" :error-message="save.fields.name" />
        <van-field v-if="!team" label="服务类别" :error-message="save.fields.service">
          <template #input>
            <select v-model="form.service" data-testid="team-service" aria-label="服务类别">
              <option v-for="(label, key) in SERVICES" :key="key" :value="key">{{ label }}</option>
            </select>
          </template>
        </van-field>
        <van-field v-model.trim="form.vendor" label="承包单位" required data-testid="team-vendor" :error-message="save.fields.vendor" />
        <van-field v-model.number="form.contracted_headcount" type="digit" label="合同人数" data-testid="team-headcount"
                   :error-message="save.fields.contracted_headcount" />
        <van-field v-model="form.contacts" label="联系人工号" placeholder="多个用顿号分隔，第一位为主要联系人" data-testid="team-contacts"
                   :error-message="save.fields.contacts" />
      </van-cell-group>
      <div v-if="team" class="hint">服务类别不能修改。</div>
      <div class="actions"><van-button type="primary" block round :loading="save.busy" :disabled="!form.name || !form.vendor || (team && !changes())"
        data-testid="team-submit" @click="save.run(team ? changes() : body())">{{ team ? '保存' : '新增团队' }}</van-button></div>
    </div>`,
  setup(props, { emit }) {
    const start = props.team || { name: "", service: "cleaning", vendor: "", contracted_headcount: 10, contacts: [] };
    const form = Vue.reactive({ ...start, contacts: start.contacts.join("、") });
    const body = () => ({
      name: form.name, service: form.service, vendor: form.vendor,
      contracted_headcount: Number(form.contracted_headcount), contacts: contactsOf(form.contacts),
    });
    function changes() {
      const now = body();
      const diff = {};
      for (const f of ["name", "vendor", "contracted_headcount", "contacts"]) {
        if (JSON.stringify(now[f]) !== JSON.stringify(props.team[f])) diff[f] = now[f];
      }
      return Object.keys(diff).length ? diff : null;
    }
    const save = useAction(
      (key, payload) => (props.team
        ? api.patch(`/admin/assessment/teams/${props.team.id}`, payload, { quiet: true })
        : api.post("/admin/assessment/teams", payload, { key, quiet: true })),
      { done(team) { showToast(props.team ? "已保存" : "已新增", "success"); emit("saved", team); } },
    );
    return { form, save, body, changes, SERVICES };
  },
};

const StandardForm = {
  props: { standard: { type: Object, required: true } },
  emits: ["saved"],
  template: `
    <div class="admin-popup" data-testid="standard-edit">
      <div class="popup-title">修改考核标准（{{ SERVICES[standard.service] }}）</div>
      <van-cell-group inset>
        <van-field v-model.trim="form.code" label="编号" :error-message="save.fields.code" />
        <van-field v-model.trim="form.text" label="内容" type="textarea" rows="2" autosize :error-message="save.fields.text" />
        <van-field v-model.number="form.points" type="digit" label="扣分值" data-testid="standard-points" :error-message="save.fields.points" />
      </van-cell-group>
      <div class="hint">分值的修改只影响此后的检查：已做的检查按当时的分值扣分。</div>
      <div class="actions"><van-button type="primary" block round :loading="save.busy" :disabled="!changes()"
        data-testid="standard-submit" @click="save.run(changes())">保存</van-button></div>
    </div>`,
  setup(props, { emit }) {
    const form = Vue.reactive({ code: props.standard.code, text: props.standard.text, points: props.standard.points });
    function changes() {
      const diff = {};
      if (form.code !== props.standard.code) diff.code = form.code;
      if (form.text !== props.standard.text) diff.text = form.text;
      if (Number(form.points) !== props.standard.points) diff.points = Number(form.points);
      return Object.keys(diff).length ? diff : null;
    }
    const save = useAction((key, body) => api.patch(`/admin/assessment/standards/${props.standard.id}`, body, { quiet: true }), {
      done(saved) { showToast("已保存", "success"); emit("saved", saved); },
    });
    return { form, save, changes, SERVICES };
  },
};

export default {
  components: { TeamForm, StandardForm },
  template: `
    <div class="admin">
      <div class="admin-bar first">
        <van-button plain type="primary" data-testid="assessment-board-link" @click="go('/assessment/board')">考核看板与 Excel 导出</van-button>
      </div>
      <van-tabs v-model:active="tab" shrink @change="remember">
        <van-tab name="teams" title="服务团队">
          <div class="admin-bar"><van-button type="primary" plain icon="plus" data-testid="teams-new" @click="creating = !creating">{{ creating ? '收起' : '新增团队' }}</van-button></div>
          <team-form v-if="creating" @saved="teamCreated" />
          <page-state :page="teams" empty="还没有服务团队">
            <table class="admin-table" data-testid="teams-table">
              <thead><tr><th>团队</th><th>类别</th><th class="hide-narrow">承包单位</th><th>合同人数</th><th class="hide-narrow">联系人</th><th>操作</th></tr></thead>
              <tbody>
                <tr v-for="t in teams.data.items" :key="t.id" :data-testid="'team-' + t.id">
                  <td>{{ t.name }}</td><td>{{ t.service_label }}</td><td class="hide-narrow">{{ t.vendor }}</td>
                  <td>{{ t.contracted_headcount }}</td><td class="hide-narrow">{{ t.contacts.join('、') }}</td>
                  <td><van-button size="small" plain type="primary" :data-testid="'team-edit-' + t.id" @click="editingTeam = t">编辑</van-button></td>
                </tr>
              </tbody>
            </table>
          </page-state>
        </van-tab>
        <van-tab name="standards" title="考核标准">
          <div class="admin-bar">
            <select v-model="service" aria-label="服务类别" data-testid="standards-service" @change="standards.reload()">
              <option v-for="(label, key) in SERVICES" :key="key" :value="key">{{ label }}</option>
            </select>
          </div>
          <page-state :page="standards" :pull="false" empty="这个服务还没有考核标准">
            <table class="admin-table" data-testid="standards-table">
              <thead><tr><th>编号</th><th>内容</th><th>扣分</th><th>操作</th></tr></thead>
              <tbody>
                <tr v-for="s in standards.data.items" :key="s.id" :data-testid="'standard-' + s.id">
                  <td>{{ s.code }}</td><td>{{ s.text }}</td><td>{{ s.points }}</td>
                  <td><van-button size="small" plain type="primary" :data-testid="'standard-edit-' + s.id" @click="editingStandard = s">编辑</van-button></td>
                </tr>
              </tbody>
            </table>
          </page-state>
          <div class="section-title">批量新增（每行：编号 内容 扣分）</div>
          <van-cell-group inset>
            <van-field v-model="bulk" type="textarea" rows="4" autosize placeholder="BJ-01 地面无积水、无垃圾 2" data-testid="standards-bulk" />
          </van-cell-group>
          <div v-for="(reason, field) in addStandards.fields" :key="field" class="field-error">{{ lineOf(field) }}：{{ reason }}</div>
          <div class="actions"><van-button type="primary" block round :loading="addStandards.busy" :disabled="!bulk.trim()"
            data-testid="standards-submit" @click="addStandards.run(bulkItems())">新增到{{ SERVICES[service] }}</van-button></div>
        </van-tab>
        <van-tab name="surveys" title="满意度调查">
          <page-state :page="surveys" :pull="false" empty="还没有发布过满意度调查">
            <table class="admin-table" data-testid="surveys-table">
              <thead><tr><th>月份</th><th>开放时间</th><th class="hide-narrow">问题</th><th>答卷</th></tr></thead>
              <tbody>
                <tr v-for="s in surveys.data.items" :key="s.id" :data-testid="'survey-' + s.id">
                  <td>{{ s.month }}</td><td>{{ dateTime(s.opens) }} – {{ dateTime(s.closes) }}</td>
                  <td class="hide-narrow"><div v-for="q in s.questions" :key="q.id">{{ q.service_label }}：{{ q.text }}</div></td>
                  <td>{{ s.responses }} 份</td>
                </tr>
              </tbody>
            </table>
          </page-state>
          <div class="section-title">发布调查（每月一份）</div>
          <van-cell-group inset data-testid="survey-new">
            <van-field v-model="surveyForm.month" type="month" label="月份" :error-message="publish.fields.month" />
            <van-field v-model="surveyForm.opens" type="date" label="开始日期" :error-message="publish.fields.opens" />
            <van-field v-model="surveyForm.closes" type="date" label="结束日期（不含）" :error-message="publish.fields.closes" />
            <van-field v-model="surveyForm.questions" type="textarea" rows="4" autosize label="问题"
                       placeholder="每行：服务类别 问题，如 餐饮 饭菜质量满意吗？" :error-message="publish.fields.questions" />
          </van-cell-group>
          <div v-for="(reason, field) in publish.fields" :key="field" v-show="field.startsWith('questions.')" class="field-error">第{{ Number(field.split('.')[1]) + 1 }}个问题：{{ reason }}</div>
          <div class="actions"><van-button type="primary" block round :loading="publish.busy" data-testid="survey-submit" @click="publishSurvey">发布</van-button></div>
        </van-tab>
        <van-tab name="attendance" title="出勤导入">
          <p class="hint">考勤机导出的 CSV：表头 team,date,present（team 为团队名称或编号，date 为 YYYY-MM-DD，present 为到岗人数）。同一团队同一天重复导入只更新，不重复计数；任一行有误则全部不写入。</p>
          <van-cell-group inset>
            <van-field v-model="csv" type="textarea" rows="6" autosize placeholder="team,date,present" data-testid="attendance-csv" />
          </van-cell-group>
          <label class="pick wide"><input type="file" accept=".csv,text/csv" @change="readFile">选择 CSV 文件</label>
          <div v-for="(reason, field) in attendanceErrors" :key="field" class="field-error" data-testid="attendance-error">{{ field }}：{{ reason }}</div>
          <div class="actions"><van-button type="primary" block round :loading="attend.busy" :disabled="!csv.trim()"
            data-testid="attendance-submit" @click="importCsv">导入</van-button></div>
          <div v-if="imported" class="hint" data-testid="attendance-result">新增 {{ imported.created }} 条，更新 {{ imported.updated }} 条，未变 {{ imported.unchanged }} 条</div>
        </van-tab>
      </van-tabs>
      <van-popup :show="!!editingTeam" position="bottom" round closeable @update:show="(v) => { if (!v) editingTeam = null; }">
        <team-form v-if="editingTeam" :key="editingTeam.id" :team="editingTeam" @saved="teamSaved" />
      </van-popup>
      <van-popup :show="!!editingStandard" position="bottom" round closeable @update:show="(v) => { if (!v) editingStandard = null; }">
        <standard-form v-if="editingStandard" :key="editingStandard.id" :standard="editingStandard" @saved="standardSaved" />
      </van-popup>
    </div>`,
  setup() {
    const tab = Vue.ref(route.query.tab || "teams");
    const creating = Vue.ref(false);
    const editingTeam = Vue.ref(null);
    const editingStandard = Vue.ref(null);
    const service = Vue.ref("cleaning");
    const teams = usePage(() => api.get("/admin/assessment/teams", undefined, { quiet: true }));
    const standards = usePage(() => api.get("/admin/assessment/standards", { service: service.value }, { quiet: true }));
    const surveys = usePage(() => api.get("/admin/assessment/surveys", { limit: 50 }, { quiet: true }));

    // Standards in bulk: one line each; the server names a bad one as items.N.field.
    const bulk = Vue.ref("");
    function bulkItems() {
      const items = bulk.value.split("\n").map((l) => l.trim()).filter(Boolean).map((line) => {
        const parts = line.split(/\s+/);
        const points = Number(parts.length > 2 ? parts.pop() : NaN);
        const code = parts.shift() || "";
        return { service: service.value, code, text: parts.join(" "), points: Number.isInteger(points) ? points : -1 };
      });
      return { items };
    }
    const lineOf = (field) => (field.startsWith("items.") ? `第${Number(field.split(".")[1]) + 1}行` : field);
    const addStandards = useAction((key, body) => api.post("/admin/assessment/standards", body, { key, quiet: true }), {
      done(made) { showToast(`已新增 ${made.items.length} 条`, "success"); bulk.value = ""; standards.reload(); },
    });

    const surveyForm = Vue.reactive({ month: localMonth(0), opens: localDate(0), closes: localDate(7), questions: "餐饮 饭菜质量满意吗？\n保洁 办公区域保洁满意吗？" });
    const labels = Object.fromEntries(Object.entries(SERVICES).map(([k, v]) => [v, k]));
    const publish = useAction((key, body) => api.post("/admin/assessment/surveys", body, { key, quiet: true }), {
      done() { showToast("调查已发布", "success"); surveys.reload(); },
    });
    function publishSurvey() {
      const questions = surveyForm.questions.split("\n").map((l) => l.trim()).filter(Boolean).map((line) => {
        const [first, ...rest] = line.split(/\s+/);
        return { service: labels[first] || first, text: rest.join(" ") };
      });
      return publish.run({
        month: surveyForm.month, questions,
        opens: isoAt(surveyForm.opens, "00:00"), closes: isoAt(surveyForm.closes, "00:00"),
      });
    }

    const csv = Vue.ref("");
    const imported = Vue.ref(null);
    const localErrors = Vue.ref({});
    async function readFile(event) {
      const file = event.target.files[0];
      if (file) csv.value = await file.text();
    }
    const attend = useAction((key, body) => api.post("/admin/assessment/attendance", body, { key, quiet: true }), {
      done(counts) { imported.value = counts; showToast("导入完成", "success"); },
    });
    // The server numbers the items from 1; the file's line is one more (its header).
    const attendanceErrors = Vue.computed(() => {
      if (Object.keys(localErrors.value).length) return localErrors.value;
      return Object.fromEntries(Object.entries(attend.fields).map(([field, reason]) => {
        const n = /^line (\d+)$/.exec(field);
        return [n ? `第${Number(n[1]) + 1}行` : field, reason];
      }));
    });
    async function importCsv() {
      imported.value = null;
      localErrors.value = {};
      const list = teams.data?.items || (await api.get("/admin/assessment/teams")).items;
      const byKey = Object.fromEntries(list.flatMap((t) => [[t.name, t.id], [String(t.id), t.id]]));
      const lines = csv.value.replace(/^\uFEFF/, "").split(/\r?\n/);
      if (lines[0].trim().toLowerCase().replace(/\s/g, "") !== "team,date,present") {
        localErrors.value = { 第1行: "表头应为 team,date,present" };
        return;
      }
      const items = [];
      const errors = {};
      lines.slice(1).forEach((line, i) => {
        if (!line.trim()) return;
        const [team, date, present] = line.split(",").map((c) => c.trim());
        if (!(team in byKey)) errors[`第${i + 2}行`] = `没有这个服务团队：${team}`;
        else items.push({ team_id: byKey[team], date, present: Number(present) });
      });
      if (Object.keys(errors).length) {
        localErrors.value = errors;
        return;
      }
      await attend.run({ items });
    }
    return {
      SERVICES, tab, creating, editingTeam, editingStandard, service, teams, standards, surveys,
      bulk, bulkItems, lineOf, addStandards, surveyForm, publish, publishSurvey,
      csv, imported, readFile, attend, attendanceErrors, importCsv, dateTime, go,
      remember: (name) => history.replaceState(null, "", `${location.pathname}${location.search}#/admin/assessment?tab=${name}`),
      teamSaved(team) { teams.replace(team); editingTeam.value = null; },
      teamCreated() { creating.value = false; teams.refresh(); },
      standardSaved(standard) { standards.replace(standard); editingStandard.value = null; },
    };
  },
};
