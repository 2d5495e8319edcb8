// Admin: find a staff directory entry (employee number or name) and deactivate or reactivate it.
// Deactivating posts the entry as listed with active=false: the person's tokens stop at once.
import { Vue, vant } from "../vendor.js";
import { api, showToast } from "../api.js";
import { usePage, useAction } from "../ui.js";

export default {
  template: `
    <div class="admin">
      <form class="admin-bar first" @submit.prevent="search">
        <input v-model.trim="q" type="search" placeholder="工号或姓名" data-testid="staff-q" aria-label="工号或姓名" />
        <select v-model="active" data-testid="staff-active" aria-label="状态">
          <option value="">全部</option><option value="true">在职</option><option value="false">已停用</option>
        </select>
        <van-button type="primary" native-type="submit" data-testid="staff-search">查找</van-button>
      </form>
      <page-state :page="page" empty="没有符合条件的职工">
        <table class="admin-table" data-testid="staff-table">
          <thead><tr><th>工号</th><th>姓名</th><th class="hide-narrow">部门</th><th class="hide-narrow">角色</th><th>状态</th><th>操作</th></tr></thead>
          <tbody>
            <tr v-for="s in page.data.items" :key="s.id" :class="{ inactive: !s.active }" :data-testid="'staff-' + s.employee_no">
              <td>{{ s.employee_no }}</td><td>{{ s.name }}</td>
              <td class="hide-narrow">{{ s.department }}</td><td class="hide-narrow">{{ s.roles.join('、') }}</td>
              <td><van-tag :type="s.active ? 'success' : 'default'">{{ s.active ? '在职' : '已停用' }}</van-tag>
                <div class="muted">{{ s.bound ? '已绑定微信' : '未绑定' }}</div></td>
              <td>
                <van-button v-if="s.active" size="small" plain type="danger" :loading="flip.busy && busyId === s.id"
                            :data-testid="'staff-deactivate-' + s.employee_no" @click="toggle(s)">停用</van-button>
                <van-button v-else size="small" plain type="primary" :loading="flip.busy && busyId === s.id"
                            :data-testid="'staff-reactivate-' + s.employee_no" @click="toggle(s)">恢复</van-button>
              </td>
            </tr>
          </tbody>
        </table>
        <div v-if="page.data.next_cursor" class="admin-bar"><van-button block plain @click="more">加载更多</van-button></div>
      </page-state>
    </div>`,
  setup() {
    const q = Vue.ref("");
    const active = Vue.ref("");
    const busyId = Vue.ref(null);
    const query = () => ({ limit: 50, ...(q.value ? { q: q.value } : {}), ...(active.value ? { active: active.value } : {}) });
    const page = usePage(() => api.get("/admin/staff", query(), { quiet: true }));
    const flip = useAction((key, entry) => api.post("/admin/staff", { items: [entry] }, { key, quiet: true }), {
      done() {
        showToast("已保存", "success");
        page.refresh();
      },
    });
    async function toggle(s) {
      const going = s.active ? "停用" : "恢复";
      try {
        await vant.showConfirmDialog({
          title: `${going}${s.name}（${s.employee_no}）？`,
          message: s.active ? "停用后此人立即无法登录和使用各项服务，已有记录保留。" : "恢复后此人可以重新登录使用。",
        });
      } catch {
        return;
      }
      busyId.value = s.id;
      const { employee_no, name, department, roles } = s;
      await flip.run({ employee_no, name, department, roles, active: !s.active });
    }
    async function more() {
      const next = await api.get("/admin/staff", { ...query(), cursor: page.data.next_cursor });
      page.data = { items: [...page.data.items, ...next.items], next_cursor: next.next_cursor };
    }
    return { q, active, page, flip, busyId, toggle, search: () => page.reload(), more };
  },
};
