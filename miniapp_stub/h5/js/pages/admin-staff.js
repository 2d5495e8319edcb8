// Admin: upsert the staff directory from CSV text (employee_no,name,department,roles).
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";

const ROLES = new Set(["staff", "canteen", "facility", "facility_lead", "guard", "admin"]);

export default {
  template: `
    <div>
      <p class="hint">每行一人：工号,姓名,部门,角色（多个角色用 | 分隔，如 canteen|staff）。可从 Excel 另存为 CSV 后粘贴。</p>
      <van-cell-group inset>
        <van-field v-model="csv" type="textarea" rows="6" autosize data-testid="staff-csv" placeholder="S1001,王小明,财政局,staff" />
      </van-cell-group>
      <label class="pick wide"><input type="file" accept=".csv,text/csv" @change="readFile">选择 CSV 文件</label>
      <div class="actions"><van-button type="primary" block round :disabled="!csv.trim()" data-testid="staff-submit" @click="submit">导入</van-button></div>
      <div v-if="result" class="hint" data-testid="staff-result">新增 {{ result.created }} 人，更新 {{ result.updated }} 人</div>
    </div>`,
  setup() {
    const csv = Vue.ref("");
    const result = Vue.ref(null);
    async function readFile(event) {
      const file = event.target.files[0];
      if (file) csv.value = await file.text();
    }
    async function submit() {
      const lines = csv.value.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
      const rows = lines.filter((l, i) => !(i === 0 && l.toLowerCase().startsWith("employee_no")));
      const items = rows.map((line) => {
        const [employee_no, name, department = "", roles = "staff"] = line.split(",").map((c) => c.trim());
        return { employee_no, name, department, roles: roles.split("|").map((r) => r.trim()).filter((r) => ROLES.has(r)) };
      });
      if (items.some((i) => !i.employee_no || !i.name)) return showToast("每行至少需要工号和姓名");
      result.value = await api.post("/admin/staff", { items });
      showToast("导入完成", "success");
    }
    return { csv, result, readFile, submit };
  },
};
