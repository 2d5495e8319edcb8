// Admin home: every admin job one tap away (each page is laid out for 1280×800 too),
// beside today's figures of the dashboard.
import { go } from "../router.js";
import AdminDashboard from "./admin-dashboard.js";

const ENTRIES = [
  ["staff-find", "/admin/staff/find", "职工名录", "查找、停用或恢复职工"],
  ["staff-import", "/admin/staff/import", "导入职工名录", "从 CSV 批量新增或更新"],
  ["menus", "/admin/menus", "菜单管理", "发布、修改库存与时段、撤回菜单"],
  ["rooms", "/admin/rooms", "会议室管理", "新增、修改、停用会议室，审批预定"],
  ["gyms", "/admin/gyms", "合作场馆", "场馆、课程、前台密钥"],
  ["gym-settlement", "/admin/gym/settlement", "场馆月度结算", "结算表与 Excel 导出"],
  ["carwash", "/admin/carwash", "洗车管理", "洗车卡类型、工位时段、月报"],
  ["assessment", "/admin/assessment", "物管考核管理", "服务团队、考核标准、满意度调查、出勤导入"],
  ["board", "/assessment/board", "考核看板", "月度得分与 Excel 导出"],
  ["procurement-report", "/procurement/report", "采购月报", "按部门与类别汇总，Excel 导出"],
  ["duty-admin", "/duty/admin", "勤务站业务与时段", "勤务站的业务、时段与月报"],
];

export default {
  components: { AdminDashboard },
  template: `
    <div class="admin admin-hub desk">
      <van-cell-group inset class="first">
        <van-cell v-for="[id, path, title, label] in ENTRIES" :key="id" :title="title" :label="label" is-link
                  :data-testid="'admin-go-' + id" @click="go(path)" />
      </van-cell-group>
      <div><admin-dashboard /></div>
    </div>`,
  setup() {
    return { ENTRIES, go };
  },
};
