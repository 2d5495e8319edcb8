// One purchase request: its items, quotes and approval timeline; the actions its state
// and the viewer's part allow (one-tap approve, reject with a comment, order, receive).
import { Vue, vant } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dateTime, yuan, statusText } from "../format.js";
import { usePage, useAction } from "../ui.js";
import { route } from "../router.js";
import { session, hasRole } from "../session.js";
import { PURCHASE_CATEGORIES, STAGES, toFen } from "./procurement.js";

const ACTIONS = { submit: "提交申请", approve: "同意", reject: "驳回", withdraw: "撤回", order: "下单", receive: "收货", remind: "超时提醒" };
const STAGE_ROLE = { dept_head: "dept_head", procurement: "procurement", leader: "admin" };
// API.md §12's name of each stage: an approval names the stage this screen showed, so a
// late tap on a stale screen is refused (409 stale) instead of deciding the next step.
const WIRE_STAGE = { dept_head: "dept", procurement: "procurement", leader: "leader" };

export default {
  template: `
    <page-state :page="page" :pull="false">
    <div v-if="req">
      <div class="status-card">
        <div class="status-text" data-testid="purchase-status">{{ statusText('procurement', req.status) }}</div>
        <div class="muted">{{ req.title }} · {{ yuan(req.total_fen) }}</div>
        <div class="muted">提交于 {{ dateTime(req.created_at) }}</div>
      </div>
      <van-cell-group inset>
        <van-cell title="申请部门" :value="req.department" />
        <van-cell title="申请人" :value="req.requester.name" />
        <van-cell title="类别" :value="PURCHASE_CATEGORIES[req.category]" />
        <van-cell title="申请理由" :label="req.reason" />
      </van-cell-group>
      <div class="section-title">物品清单</div>
      <van-cell-group inset>
        <van-cell v-for="(item, i) in req.items" :key="i" :title="item.name" :label="item.spec"
                  :value="item.qty + item.unit + ' × ' + yuan(item.unit_price_fen)" />
        <van-cell title="合计" :value="yuan(req.total_fen)" data-testid="purchase-total" class="strong" />
      </van-cell-group>
      <template v-if="req.attachments.length">
        <div class="section-title">报价单</div>
        <van-cell-group inset>
          <van-cell v-for="a in req.attachments" :key="a.id" :data-testid="'purchase-attachment-' + a.id" is-link
                    :title="a.content_type === 'application/pdf' ? 'PDF 报价单' : '图片报价单'" @click="openFile(a)" />
        </van-cell-group>
      </template>
      <van-cell-group v-if="req.purchase" inset class="gap">
        <van-cell title="供应商" :value="req.purchase.supplier" />
        <van-cell title="下单金额" :value="yuan(req.purchase.amount_fen)" data-testid="purchase-amount" />
        <van-cell title="下单时间" :value="dateTime(req.purchase.ordered_at)" />
        <van-cell v-if="req.purchase.received_at" title="收货" :value="dateTime(req.purchase.received_at)" :label="req.purchase.received_note" />
      </van-cell-group>
      <div class="section-title">审批进度</div>
      <van-steps direction="vertical" :active="trail.length - 1" class="timeline" data-testid="purchase-steps">
        <van-step v-for="(t, i) in trail" :key="i">
          <div class="event-title">{{ t.label }}</div>
          <div v-if="t.comment" class="event-note">{{ t.comment }}</div>
          <div class="muted">{{ t.at ? dateTime(t.at) : "等待中" }}</div>
        </van-step>
      </van-steps>
      <div class="actions">
        <template v-if="canDecide">
          <van-button block round type="primary" :loading="busy" data-testid="purchase-approve" @click="act('approve', {})">同意</van-button>
          <van-button block round plain type="danger" :disabled="busy" data-testid="purchase-reject" @click="rejecting = true">驳回</van-button>
        </template>
        <van-button v-if="mine && req.status === 'rejected'" block round type="primary" data-testid="purchase-resubmit" :url="'#/procurement/' + req.id + '/resubmit'">修改后重新提交</van-button>
        <van-button v-if="mine && req.status === 'pending_dept'" block round plain type="warning" :loading="busy"
                    data-testid="purchase-withdraw" @click="withdraw">撤回申请</van-button>
        <template v-if="buyer && req.status === 'approved'">
          <van-cell-group inset>
            <van-field v-model.trim="order.supplier" label="供应商" required placeholder="供应商名称" data-testid="order-supplier" :error-message="step.fields.supplier" />
            <van-field v-model.trim="order.amount" label="金额（元）" required type="number" placeholder="实际下单金额" data-testid="order-amount" :error-message="step.fields.amount_fen" />
          </van-cell-group>
          <van-button block round type="primary" :loading="busy" :disabled="!order.supplier || !toFen(order.amount)" data-testid="purchase-order"
                      @click="act('order', { supplier: order.supplier, amount_fen: toFen(order.amount) })">确认下单</van-button>
        </template>
        <template v-if="buyer && req.status === 'ordered'">
          <van-cell-group inset><van-field v-model.trim="receiveNote" label="收货说明" placeholder="数量、质量核对情况" data-testid="receive-note" :error-message="step.fields.note" /></van-cell-group>
          <van-button block round type="primary" :loading="busy" data-testid="purchase-receive" @click="act('receive', { note: receiveNote })">确认收货</van-button>
        </template>
      </div>
      <van-popup v-model:show="rejecting" position="bottom" round class="sheet">
        <div class="sheet-title">驳回采购申请</div>
        <van-field v-model.trim="comment" type="textarea" rows="3" required placeholder="请填写驳回意见（必填）" data-testid="purchase-comment"
                   :error-message="step.fields.comment" />
        <div class="actions"><van-button block round type="danger" :loading="busy" :disabled="!comment" data-testid="purchase-reject-confirm"
                                         @click="reject">确认驳回</van-button></div>
      </van-popup>
    </div>`,
  setup() {
    const page = usePage(() => api.get(`/procurement/requests/${route.params.id}`, null, { quiet: true }));
    const req = Vue.computed(() => page.data);
    const rejecting = Vue.ref(false);
    const comment = Vue.ref("");
    const receiveNote = Vue.ref("");
    const order = Vue.reactive({ supplier: "", amount: "" });
    const mine = Vue.computed(() => req.value?.requester.id === session.user?.id);
    const buyer = Vue.computed(() => hasRole("procurement"));
    const canDecide = Vue.computed(() => {
      const stage = req.value?.waiting_for;
      if (!stage || mine.value) return false;
      if (stage === "dept_head" && !hasRole("admin")) return hasRole("dept_head") && session.user?.department === req.value.department;
      return hasRole(STAGE_ROLE[stage]);
    });
    const trail = Vue.computed(() => {
      if (!req.value) return [];
      const done = req.value.trail.map((t) => ({
        label: `${t.role in STAGES ? STAGES[t.role] + " · " : ""}${ACTIONS[t.action] || t.action}${t.actor ? " · " + t.actor.name : ""}`,
        comment: t.comment, at: t.at,
      }));
      const waiting = req.value.steps.filter((s) => !s.decision).map((s) => ({ label: `等待${STAGES[s.role]}审批`, comment: "", at: null }));
      return [...done, ...waiting];
    });
    // One decision = one key: a double tap approves (or orders, receives) once.
    const step = useAction((key, action, body) => api.post(`/procurement/requests/${req.value.id}/${action}`, body, { key, quiet: true }));
    const busy = Vue.computed(() => step.busy);
    async function act(action, body) {
      const deciding = action === "approve" || action === "reject";
      const sent = deciding ? { ...body, stage: WIRE_STAGE[req.value.waiting_for] } : body;
      const updated = await step.run(action, sent);
      if (!updated) {
        if (step.error?.code === "stale") page.refresh(); // the request moved on: show where it is now
        return false;
      }
      page.data = updated;
      showToast("操作成功", "success");
      return true;
    }
    async function reject() {
      if (await act("reject", { comment: comment.value })) rejecting.value = false;
    }
    async function withdraw() {
      const ok = await vant.showConfirmDialog({ title: "撤回申请", message: "撤回后需重新提交，确定吗？" }).then(() => true, () => false);
      if (ok) await act("withdraw", {});
    }
    async function openFile(file) {
      const path = file.url.replace(/^\/api\/v1/, "");
      await api.download(path, file.content_type === "application/pdf" ? `报价单-${file.id}.pdf` : `报价单-${file.id}`);
    }
    return {
      page, step, req, busy, rejecting, comment, receiveNote, order, mine, buyer, canDecide, trail,
      act, reject, withdraw, openFile, toFen, yuan, dateTime, statusText, PURCHASE_CATEGORIES,
    };
  },
};
