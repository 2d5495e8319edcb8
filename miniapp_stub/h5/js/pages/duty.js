// The duty station for staff: its services (documents, minutes, fee, mode), each with its
// way in — book a counter slot, take a number at the station, or hand in an errand.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { usePage, useAction } from "../ui.js";
import { go } from "../router.js";
import { hasRole } from "../session.js";
import { MODES, useDutyStyles } from "./duty-common.js";

export default {
  template: `
    <div>
      <div class="toolbar">
        <van-button class="tap" size="small" round plain type="primary" icon="orders-o" data-testid="duty-mine" @click="go('/duty/mine')">我的预约与排号</van-button>
        <van-button v-if="isAdmin" class="tap" size="small" round plain data-testid="duty-admin" @click="go('/duty/admin')">业务管理</van-button>
      </div>
      <div class="hint">预约类业务请先预约时段，到场后签到取 A 号；现场业务到勤务站后取 B 号；代办业务上传材料即可，办结后通知您。</div>
      <page-state :page="page" empty="勤务站暂无开放的业务">
        <div v-for="s in page.data.items" :key="s.id" class="duty-card" :data-testid="'duty-service-' + s.id">
          <h3>{{ s.name }} <van-tag :type="MODES[s.mode][1]">{{ MODES[s.mode][0] }}</van-tag></h3>
          <p v-if="s.description">{{ s.description }}</p>
          <p>所需材料：</p>
          <div class="duty-docs"><van-tag v-for="d in s.documents" :key="d" plain>{{ d }}</van-tag><span v-if="!s.documents.length" class="muted">无</span></div>
          <p>每人约 {{ s.minutes }} 分钟<span v-if="s.fee_note"> · 费用：{{ s.fee_note }}</span></p>
          <van-button v-if="s.mode === 'appointment'" type="primary" block round :data-testid="'duty-book-' + s.id" @click="go('/duty/book/' + s.id)">预约时段</van-button>
          <van-button v-else-if="s.mode === 'errand'" type="warning" block round :data-testid="'duty-errand-' + s.id" @click="go('/duty/book/' + s.id)">提交代办材料</van-button>
          <van-button v-else type="success" block round :loading="take.busy && taking === s.id" :disabled="take.busy"
                      :data-testid="'duty-walkin-' + s.id" @click="walkIn(s)">现场取号</van-button>
        </div>
      </page-state>
    </div>`,
  setup() {
    useDutyStyles();
    const page = usePage(() => api.get("/duty/services", undefined, { quiet: true }));
    const taking = Vue.ref(null);
    // One number per tap: a retry after a lost reply reuses the key, so no second ticket.
    const take = useAction((key, serviceId) => api.post("/duty/walk-ins", { service_id: serviceId }, { key, quiet: true }), {
      done(ticket) {
        showToast(`已取号 ${ticket.ticket_no}`, "success");
        go(`/duty/appointments/${ticket.id}`);
      },
    });
    function walkIn(service) {
      taking.value = service.id;
      take.run(service.id);
    }
    return { page, take, walkIn, go, MODES, isAdmin: hasRole("admin"), taking };
  },
};
