// Bind the WeChat account to a staff directory entry (first use).
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { replace } from "../router.js";
import { session, refreshUnread } from "../session.js";

export default {
  template: `
    <div class="bind">
      <div class="bind-hero">
        <div class="logo">勤</div>
        <h2>欢迎使用勤e家</h2>
        <p>首次使用请绑定工号和姓名，绑定后即可订餐、订会议室、报修和邀请访客。</p>
      </div>
      <van-cell-group inset>
        <van-field v-model.trim="employeeNo" label="工号" placeholder="如 S0001" data-testid="bind-employee-no" clearable />
        <van-field v-model.trim="name" label="姓名" placeholder="与人事档案一致" data-testid="bind-name" clearable />
      </van-cell-group>
      <div class="actions">
        <van-button type="primary" block round :loading="busy" :disabled="!employeeNo || !name"
                    data-testid="bind-submit" @click="submit">绑定</van-button>
      </div>
    </div>`,
  setup() {
    const employeeNo = Vue.ref("");
    const name = Vue.ref("");
    const busy = Vue.ref(false);
    async function submit() {
      busy.value = true;
      try {
        session.user = await api.post("/auth/bind", { employee_no: employeeNo.value, name: name.value });
        showToast(`绑定成功，${session.user.name}`, "success");
        replace("/");
        refreshUnread();
      } finally {
        busy.value = false;
      }
    }
    return { employeeNo, name, busy, submit };
  },
};
