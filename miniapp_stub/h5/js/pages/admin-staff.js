// Admin: upsert the staff directory from CSV text (employee_no,name,department,roles).
// The roles a row may carry come from GET /admin/roles: every role is kept as written
// (its code or its Chinese label), and an unknown one stops the import with its line,
// never silently dropped (a re-import must not take anyone's access away).
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { usePage, useAction } from "../ui.js";
import { loadRoleLabels } from "../session.js";

export function parseStaffCsv(text, roles) {
  const byName = new Map();
  for (const { role, label } of roles) {
    byName.set(role.toLowerCase(), role);
    byName.set(label, role);
  }
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const items = [];
  const problems = [];
  lines.forEach((line, index) => {
    if (!line || (index === 0 && line.toLowerCase().startsWith("employee_no"))) return;
    const [employee_no = "", name = "", department = "", roleText = "staff"] = line.split(",").map((c) => c.trim());
    const wanted = roleText.split("|").map((r) => r.trim()).filter(Boolean);
    const unknown = wanted.filter((r) => !byName.has(r.toLowerCase()) && !byName.has(r));
    if (!employee_no || !name) problems.push(`第 ${index + 1} 行：需要工号和姓名`);
    if (unknown.length) problems.push(`第 ${index + 1} 行：未知角色 ${unknown.join("、")}`);
    const codes = wanted.map((r) => byName.get(r.toLowerCase()) || byName.get(r)).filter(Boolean);
    items.push({ employee_no, name, department, roles: [...new Set(codes)] });
  });
  return { items, problems };
}

export default {
  template: `
    <page-state :page="page" :pull="false">
      <p class="hint">每行一人：工号,姓名,部门,角色（多个角色用 | 分隔，如 carwash|staff）。可从 Excel 另存为 CSV 后粘贴。</p>
      <div class="role-legend" data-testid="staff-roles">
        <van-tag v-for="r in page.data" :key="r.role" plain type="primary" :data-testid="'staff-role-' + r.role">{{ r.role }} {{ r.label }}</van-tag>
      </div>
      <van-cell-group inset>
        <van-field v-model="csv" type="textarea" rows="6" autosize data-testid="staff-csv" placeholder="S1001,王小明,财政局,staff"
                   :error-message="problems.join('；')" />
      </van-cell-group>
      <label class="pick wide"><input type="file" accept=".csv,text/csv" @change="readFile">选择 CSV 文件</label>
      <div class="actions"><van-button type="primary" block round :disabled="!csv.trim() || act.busy" :loading="act.busy"
                                       data-testid="staff-submit" @click="submit">导入</van-button></div>
      <div v-if="result" class="hint" data-testid="staff-result">新增 {{ result.created }} 人，更新 {{ result.updated }} 人</div>
    </page-state>`,
  setup() {
    const csv = Vue.ref("");
    const result = Vue.ref(null);
    const problems = Vue.ref([]);
    const page = usePage(loadRoleLabels);
    const act = useAction((key, items) => api.post("/admin/staff", { items }, { key, quiet: true }), {
      done: (answer) => {
        result.value = answer;
        showToast("导入完成", "success");
      },
    });
    async function readFile(event) {
      const file = event.target.files[0];
      if (file) csv.value = await file.text();
    }
    async function submit() {
      const parsed = parseStaffCsv(csv.value, page.data || []);
      problems.value = parsed.problems;
      if (parsed.problems.length) return showToast("请按提示修改后重试");
      if (!parsed.items.length) return showToast("没有可导入的行");
      await act.run(parsed.items);
    }
    Vue.watch(csv, () => (problems.value = []));
    return { page, csv, result, problems, act, readFile, submit };
  },
};
