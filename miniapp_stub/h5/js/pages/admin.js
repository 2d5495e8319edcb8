// Admin: a dashboard (ECharts), menus, rooms, the staff directory import, approvals.
import { Vue } from "../vendor.js";
import { route, replace } from "../router.js";
import AdminDashboard from "./admin-dashboard.js";
import AdminMenus from "./admin-menus.js";
import AdminRooms from "./admin-rooms.js";
import AdminStaff from "./admin-staff.js";

export default {
  components: { AdminDashboard, AdminMenus, AdminRooms, AdminStaff },
  template: `
    <div>
      <van-tabs v-model:active="tab" shrink sticky offset-top="46" @change="remember">
        <van-tab name="dashboard" title="数据看板"><admin-dashboard v-if="tab === 'dashboard'" /></van-tab>
        <van-tab name="menus" title="菜单"><admin-menus v-if="tab === 'menus'" /></van-tab>
        <van-tab name="rooms" title="会议室"><admin-rooms v-if="tab === 'rooms'" /></van-tab>
        <van-tab name="staff" title="人员"><admin-staff v-if="tab === 'staff'" /></van-tab>
      </van-tabs>
    </div>`,
  setup() {
    const tab = Vue.ref(route.query.tab || "dashboard");
    return { tab, remember: (name) => history.replaceState(null, "", `${location.pathname}${location.search}#/admin?tab=${name}`) };
  },
};
