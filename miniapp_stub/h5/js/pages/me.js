// 我的: who is logged in (name, department, roles with their labels) and logout.
import { Vue, vant } from "../vendor.js";
import { api } from "../api.js";
import { session, roleLabel, logout } from "../session.js";
import { useAction } from "../ui.js";
import { go } from "../router.js";

export default {
  template: `
    <div class="me">
      <div class="me-card">
        <div class="avatar" aria-hidden="true">{{ (session.user?.name || "").slice(-2) }}</div>
        <div>
          <div class="me-name" data-testid="me-name">{{ session.user?.name }}</div>
          <div class="me-dept" data-testid="me-department">{{ session.user?.department || "未填写部门" }}</div>
          <div class="me-dept">工号 {{ session.user?.employee_no }}</div>
        </div>
      </div>
      <div class="section-title">我的角色</div>
      <van-cell-group inset data-testid="me-roles">
        <van-cell v-for="r in session.user?.roles || []" :key="r" :title="roleLabel(r)" :data-testid="'me-role-' + r" />
      </van-cell-group>
      <div class="section-title">常用</div>
      <van-cell-group inset>
        <van-cell title="我的订餐" is-link @click="go('/meals/orders')" />
        <van-cell title="我的会议" is-link @click="go('/meetings/mine')" />
        <van-cell title="我的报修" is-link @click="go('/repairs')" />
        <van-cell title="我的访客" is-link @click="go('/visitors')" />
      </van-cell-group>
      <div class="actions">
        <van-button block type="danger" plain data-testid="me-logout" :loading="act.busy" :disabled="act.busy" @click="confirm">退出登录</van-button>
      </div>
    </div>`,
  setup() {
    const act = useAction((key) => api.post("/auth/logout", {}, { key, quiet: true }), { done: logout });
    async function confirm() {
      try {
        await vant.showConfirmDialog({ title: "退出登录", message: "退出后需重新登录才能使用", confirmButtonText: "退出" });
      } catch (cancelled) {
        return;
      }
      await act.run();
    }
    return { session, roleLabel, act, confirm, go };
  },
};
