// Notices: the inbox, newest first; tapping one marks it read and opens its page.
import { Vue } from "../vendor.js";
import { api, dateTime } from "../api.js";
import { go } from "../router.js";
import { session, refreshUnread } from "../session.js";
import { wx } from "../wx.js";
import { usePage, useAction } from "../ui.js";
import { routeOf } from "../links.js";

export default {
  template: `
    <div>
      <div class="toolbar">
        <van-button size="small" plain type="primary" class="tap" @click="subscribe">订阅消息提醒</van-button>
        <van-button size="small" plain class="tap" data-testid="notices-read-all" :loading="readAll.busy"
                    :disabled="!unreadCount || readAll.busy" @click="readAll.run()">全部已读</van-button>
      </div>
      <page-state :page="page" empty="暂无通知：订餐、会议、报修等有进展时会通知您">
        <van-cell-group inset>
          <van-cell v-for="n in items" :key="n.id" :data-testid="'notice-' + n.id" :is-link="Boolean(routeOf(n.link))"
                    :class="{ 'notice-unread': !n.read_at }" @click="open(n)">
            <template #title>
              <span class="notice-title"><i v-if="!n.read_at" class="dot" aria-label="未读"></i>{{ n.title }}</span>
            </template>
            <template #label><div class="notice-body">{{ n.body }}</div><div class="muted">{{ dateTime(n.created_at) }}</div></template>
          </van-cell>
        </van-cell-group>
        <div v-if="cursor" class="actions"><van-button block plain :loading="loadingMore" @click="more">加载更多</van-button></div>
      </page-state>
    </div>`,
  setup() {
    const items = Vue.ref([]);
    const cursor = Vue.ref(null);
    const loadingMore = Vue.ref(false);
    const page = usePage(async () => {
      const first = await api.get("/notifications", { limit: 30 }, { quiet: true });
      items.value = first.items;
      cursor.value = first.next_cursor;
      refreshUnread();
      return first;
    });
    const unreadCount = Vue.computed(() => items.value.filter((n) => !n.read_at).length);
    async function more() {
      loadingMore.value = true;
      try {
        const next = await api.get("/notifications", { limit: 30, cursor: cursor.value });
        items.value = [...items.value, ...next.items];
        cursor.value = next.next_cursor;
      } finally {
        loadingMore.value = false;
      }
    }
    async function open(notice) {
      const to = routeOf(notice.link);
      if (!notice.read_at) {
        // Reading it must not keep the user from its page: a failure is shown, the page opens.
        const read = await api.post(`/notifications/${notice.id}/read`, {}, { quiet: true }).catch(() => null);
        if (read) Object.assign(notice, read);
        refreshUnread();
      }
      if (to) go(to);
    }
    const readAll = useAction((key) => api.post("/notifications/read-all", {}, { key, quiet: true }), {
      done: async () => {
        session.unread = 0;
        await page.refresh();
      },
    });
    async function subscribe() {
      await wx.requestSubscribeMessage({});
    }
    return { page, items, cursor, loadingMore, unreadCount, open, readAll, subscribe, more, dateTime, routeOf };
  },
};
