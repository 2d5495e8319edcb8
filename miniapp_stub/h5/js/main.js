// The app shell: log in with the wx shim, bind if needed, then route between pages.
import { Vue, vant } from "./vendor.js";
import { api, hasToken, onUnauthorized, setToken, toast } from "./api.js";
import { route, startRouter, go, replace } from "./router.js";
import { session, login, refreshUnread, hasRole, loadRoleLabels } from "./session.js";
import { ScanSheet } from "./wx.js";
import { PageState, FieldError } from "./ui.js";
import ADMIN_ROUTES from "./routes-admin.js";
import DESK_ROUTES from "./routes-desk.js";
import DUTY_ROUTES from "./routes-duty.js";
import STAFF_ROUTES from "./routes-staff.js";
import BindPage from "./pages/bind.js";
import HomePage from "./pages/home.js";
import NoticesPage from "./pages/notices.js";
import MePage from "./pages/me.js";
import MealsPage from "./pages/meals.js";
import MenuPage from "./pages/meal-menu.js";
import OrdersPage from "./pages/meal-orders.js";
import OrderPage from "./pages/meal-order.js";
import MeetingsPage from "./pages/meetings.js";
import BookPage from "./pages/meeting-book.js";
import BookingsPage from "./pages/meeting-bookings.js";
import RepairsPage from "./pages/repairs.js";
import RepairNewPage from "./pages/repair-new.js";
import RepairPage from "./pages/repair.js";
import VisitorsPage from "./pages/visitors.js";
import PassNewPage from "./pages/pass-new.js";
import PassPage from "./pages/pass.js";
import CanteenPage from "./pages/canteen.js";
import CrewPage from "./pages/crew.js";
import CrewTicketPage from "./pages/crew-ticket.js";
import GatePage from "./pages/gate.js";
import AdminPage from "./pages/admin.js";
import InspectPage from "./pages/assessment-inspect.js";
import RectificationsPage from "./pages/assessment-rectifications.js";
import RectificationPage from "./pages/assessment-rectification.js";
import SurveyPage from "./pages/assessment-survey.js";
import BoardPage from "./pages/assessment-board.js";
import GymPage from "./pages/gym.js";
import GymSessionsPage from "./pages/gym-sessions.js";
import GymBookingPage from "./pages/gym-booking.js";
import GymBookingsPage from "./pages/gym-bookings.js";
import GymDeskPage from "./pages/gym-desk.js";
import LibraryPage from "./pages/library.js";
import LibraryDeskPage from "./pages/library-desk.js";
import CarwashPage from "./pages/carwash.js";
import CarwashCardPage from "./pages/carwash-card.js";
import CarwashBayPage from "./pages/carwash-bay.js";
import CarwashStationPage from "./pages/carwash-station.js";
import ProcurementPage from "./pages/procurement.js";
import PurchaseNewPage from "./pages/purchase-new.js";
import PurchasePage from "./pages/purchase.js";
import ProcurementReportPage from "./pages/procurement-report.js";

const ROUTES = [
  { path: "/", page: HomePage, title: "勤e家", tab: true },
  ...ADMIN_ROUTES,
  ...DESK_ROUTES,
  ...DUTY_ROUTES,
  ...STAFF_ROUTES,
  { path: "/bind", page: BindPage, title: "身份绑定" },
  { path: "/notices", page: NoticesPage, title: "消息通知", tab: true },
  { path: "/me", page: MePage, title: "我的", tab: true },
  { path: "/meals", page: MealsPage, title: "餐饮预定" },
  { path: "/meals/menu/:id", page: MenuPage, title: "选餐" },
  { path: "/meals/orders", page: OrdersPage, title: "我的订餐" },
  { path: "/meals/order/:id", page: OrderPage, title: "订单详情" },
  { path: "/meetings", page: MeetingsPage, title: "会议室预定" },
  { path: "/meetings/book/:room", page: BookPage, title: "预定会议室" },
  { path: "/meetings/mine", page: BookingsPage, title: "我的会议" },
  { path: "/repairs", page: RepairsPage, title: "设备报修" },
  { path: "/repairs/new", page: RepairNewPage, title: "我要报修" },
  { path: "/repairs/:id", page: RepairPage, title: "报修详情" },
  { path: "/visitors", page: VisitorsPage, title: "访客邀约" },
  { path: "/visitors/new", page: PassNewPage, title: "邀请访客" },
  { path: "/visitors/:id", page: PassPage, title: "访客通行证" },
  { path: "/canteen", page: CanteenPage, title: "食堂核销台" },
  { path: "/crew", page: CrewPage, title: "维修工单" },
  { path: "/crew/:id", page: CrewTicketPage, title: "工单处理" },
  { path: "/gate", page: GatePage, title: "门岗核验" },
  { path: "/admin", page: AdminPage, title: "管理后台" },
  { path: "/assessment/inspect", page: InspectPage, title: "服务检查" },
  { path: "/assessment/rectifications", page: RectificationsPage, title: "整改单" },
  { path: "/assessment/rectifications/:id", page: RectificationPage, title: "整改详情" },
  { path: "/assessment/survey", page: SurveyPage, title: "满意度调查" },
  { path: "/assessment/board", page: BoardPage, title: "物管考核看板" },
  { path: "/gym", page: GymPage, title: "健身联盟" },
  { path: "/gym/mine", page: GymBookingsPage, title: "我的健身预约" },
  { path: "/gym/desk", page: GymDeskPage, title: "场馆前台核销" },
  { path: "/gym/booking/:id", page: GymBookingPage, title: "健身预约" },
  { path: "/gym/:id", page: GymSessionsPage, title: "场馆课程" },
  { path: "/library", page: LibraryPage, title: "图书借阅" },
  { path: "/library/desk", page: LibraryDeskPage, title: "图书借还台" },
  { path: "/carwash", page: CarwashPage, title: "洗车服务" },
  { path: "/carwash/card/:id", page: CarwashCardPage, title: "洗车卡" },
  { path: "/carwash/bay", page: CarwashBayPage, title: "预约洗车" },
  { path: "/carwash/station", page: CarwashStationPage, title: "洗车核销台" },
  { path: "/procurement", page: ProcurementPage, title: "采购申请" },
  { path: "/procurement/new", page: PurchaseNewPage, title: "新建采购申请" },
  { path: "/procurement/report", page: ProcurementReportPage, title: "采购月报" },
  { path: "/procurement/:id", page: PurchasePage, title: "采购申请详情" },
];

const App = {
  components: { ScanSheet },
  template: `
    <div :class="['shell', { wide: route.match?.wide, tabbed: showTabs }]">
      <van-nav-bar :title="title" :left-arrow="!route.match?.tab && route.path !== '/bind'" left-text=""
                   fixed placeholder safe-area-inset-top class="wx-nav" @click-left="back" />
      <main v-if="session.ready && (session.user || route.match?.public)" class="page">
        <component :is="page" :key="route.path + JSON.stringify(route.query)" />
      </main>
      <div v-else-if="session.loggedOut" class="page boot-state" data-testid="logged-out">
        <van-empty image="default" description="已退出登录">
          <van-button round type="primary" class="retry" data-testid="login-again" @click="start">重新登录</van-button>
        </van-empty>
      </div>
      <div v-else-if="session.failed" class="page boot-state" data-testid="page-error">
        <van-empty image="network" :description="'登录失败：' + session.failed">
          <van-button round type="primary" class="retry" data-testid="page-retry" :loading="starting" @click="start">重试</van-button>
        </van-empty>
      </div>
      <van-loading v-else class="boot" vertical data-testid="page-loading">登录中…</van-loading>
      <van-tabbar v-if="showTabs" :model-value="route.path" route-less fixed placeholder safe-area-inset-bottom class="tabs"
                  @change="go">
        <van-tabbar-item name="/" icon="wap-home-o" data-testid="tab-home">首页</van-tabbar-item>
        <van-tabbar-item name="/notices" icon="chat-o" data-testid="tab-notices" :badge="session.unread ? (session.unread > 99 ? '99+' : session.unread) : ''">消息</van-tabbar-item>
        <van-tabbar-item name="/me" icon="user-o" data-testid="tab-me">我的</van-tabbar-item>
      </van-tabbar>
      <van-toast v-model:show="toast.show" :message="toast.message" :type="toast.type"
                 :duration="3000" data-testid="toast" class="qe-toast" />
      <scan-sheet />
    </div>`,
  setup() {
    const page = Vue.computed(() => route.match?.page);
    const title = Vue.computed(() => route.match?.title || "勤e家");
    const showTabs = Vue.computed(() => Boolean(route.match?.tab && session.user?.bound));
    const starting = Vue.ref(false);
    Vue.watchEffect(() => {
      document.title = title.value;
    });
    async function start() {
      starting.value = true;
      try {
        await boot();
      } finally {
        starting.value = false;
      }
    }
    Vue.onMounted(() => {
      // The back arrow is an icon: give it a name screen readers say.
      document.querySelector(".wx-nav .van-nav-bar__left")?.setAttribute("aria-label", "返回");
    });
    return { route, session, toast, page, title, showTabs, starting, start, go, back: () => (history.length > 1 ? history.back() : go("/")) };
  },
};

async function boot() {
  // A public page (the duty station's TV: ticket numbers for the room) logs nobody in.
  if (route.match?.public) {
    session.ready = true;
    return;
  }
  const code = new URLSearchParams(location.search).get("code");
  if (code && code !== localStorage.getItem("qe.code")) setToken("");
  onUnauthorized(login);
  session.failed = null;
  session.loggedOut = false;
  try {
    if (hasToken()) session.user = await api.get("/me", undefined, { quiet: true }).catch(() => null);
    if (!session.user) await login();
  } catch (err) {
    // No ghost home: the shell shows why and offers 重试.
    session.user = null;
    session.failed = err?.message || "网络连接失败";
    session.ready = true;
    return;
  }
  session.ready = true;
  // A gym's front desk is no staff member: its screen works with a desk key alone.
  if (!session.user.bound && route.path !== "/gym/desk") replace("/bind");
  else if (route.path === "/bind") replace("/");
  refreshUnread();
  if (hasRole("admin") && session.user.roles.includes("admin")) loadRoleLabels().catch(() => {});
}

startRouter(ROUTES);
const app = Vue.createApp(App);
app.use(vant);
app.component("page-state", PageState);
app.component("field-error", FieldError);
app.config.errorHandler = (err) => {
  if (err?.status === undefined) console.error(err); // ApiErrors already showed their toast
};
window.addEventListener("unhandledrejection", (event) => {
  if (event.reason?.status !== undefined) event.preventDefault(); // an ApiError: toast shown
});
app.mount("#app");
boot();
